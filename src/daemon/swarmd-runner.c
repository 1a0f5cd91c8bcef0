/* swarmd-runner.c — one agent's LLM tool-calling loop
 *
 * System prompt for the type, the task as the user message, four tools.
 * Each step checks the limits first, asks the model, bills the reply before
 * looking at it, then runs its tool calls one at a time in the sandbox and
 * answers every tool_call_id exactly once.  A reply with no tool call, bad
 * JSON arguments or an unknown tool gets a corrective message; three such
 * steps in a row fail the agent.  Everything runs on the main loop and
 * stops at once when cancelled: the LLM request and the running command.
 *
 * The runner changes its SwarmAgent in place and emits ::changed and
 * ::log; the daemon stores and serves.  Every text it hands out has the
 * agent's environment values replaced with `***`.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarmd-runner"

#include "config.h"

#include <string.h>

#include "swarm-agent-private.h"
#include "swarmd-llm.h"
#include "swarmd-runner.h"

#define LOG_TEXT_MAX  4000

struct _SwarmdRunner
{
  GObject          parent_instance;

  SwarmAgent      *agent;        /* (owned) */
  SwarmdSandbox   *sandbox;      /* (owned) */
  GHashTable      *environment;  /* (owned) (nullable): secret values */
  SwarmdLlmConfig *config;       /* (owned) */
  SoupSession     *session;      /* (owned) */
  GCancellable    *cancellable;  /* (owned) */
  JsonArray       *messages;     /* (owned): the whole conversation */
  JsonNode        *tools;        /* (owned) */

  JsonArray       *calls;        /* (owned) (nullable): the tool calls of the current step */
  guint            call_index;
  gboolean         step_had_error;
  gboolean         step_had_success;
  guint            format_errors;
  gboolean         finish_called;
  gboolean         finish_success;
  char            *finish_result;

  gint64           started_us;   /* monotonic */
  guint            deadline_id;
  gboolean         finished;
};

G_DEFINE_FINAL_TYPE (SwarmdRunner, swarmd_runner, G_TYPE_OBJECT)

enum {
  CHANGED,
  LOG,
  FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void next_step (SwarmdRunner *self);
static void run_next_call (SwarmdRunner *self);

/* Prompts and tools --------------------------------------------------------------- */

static const char common_rules[] =
  "You work alone in a Linux sandbox whose home directory, /home/user, is your workspace. "
  "Act only through the tools: run_command runs a shell command there (bash -c, no input, "
  "output cut to its first and last 8 KiB), read_file and write_file work on files in the "
  "workspace, and finish ends your work. Prefer small, checkable steps, and check the outcome "
  "of each command before the next. When the task is done, or cannot be done, call finish "
  "with a short result a person can read, and success true or false.";

static const struct {
  const char *type;
  const char *focus;
} type_focus[] = {
  { "researcher",
    "You are a research agent. Gather facts to answer the task: read files, run tools, and fetch "
    "sources with curl or git when the sandbox has network access. Keep notes in notes.md and "
    "cite the paths or URLs your findings come from." },
  { "coder",
    "You are a coding agent. Explore the workspace, write the code the task asks for, run it and "
    "its tests, and fix what fails. Never use interactive programs or editors; write files with "
    "write_file. Finish with what you built and how you checked it." },
  { "analyst",
    "You are a data analysis agent. Load the data the task names, compute with code you run "
    "(python3, awk, jq…), and write your findings to report.md. Every number you report must "
    "come from a command you ran." },
  { "tester",
    "You are a testing agent. Run the tests the task names, reproduce failures, and report which "
    "pass and which fail with the exact commands to reproduce them. Do not change the code under "
    "test." },
};

/**
 * swarmd_runner_system_prompt:
 *
 * Returns: the system prompt for @agent_type; a custom type gets a generic
 *   one naming it.  Built once per type and kept for the process.
 */
const char *
swarmd_runner_system_prompt (const char *agent_type)
{
  static GHashTable *prompts;
  char *prompt;

  if (prompts == NULL)
    prompts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  prompt = g_hash_table_lookup (prompts, agent_type);
  if (prompt != NULL)
    return prompt;

  for (guint i = 0; i < G_N_ELEMENTS (type_focus) && prompt == NULL; i++)
    if (g_str_equal (agent_type, type_focus[i].type))
      prompt = g_strconcat (type_focus[i].focus, " ", common_rules, NULL);

  if (prompt == NULL)
    prompt = g_strdup_printf ("You are an agent of type “%s”. Do what the task asks, the way an "
                              "expert %s would. %s", agent_type, agent_type, common_rules);

  g_hash_table_insert (prompts, g_strdup (agent_type), prompt);
  return prompt;
}

static void
add_tool (JsonBuilder *builder,
          const char  *name,
          const char  *description,
          const char  *properties_json,
          const char  *required_csv)
{
  g_autoptr(JsonNode) properties = json_from_string (properties_json, NULL);
  g_auto(GStrv) required = g_strsplit (required_csv, ",", -1);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "function");
  json_builder_set_member_name (builder, "function");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "description");
  json_builder_add_string_value (builder, description);
  json_builder_set_member_name (builder, "parameters");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "object");
  json_builder_set_member_name (builder, "properties");
  json_builder_add_value (builder, g_steal_pointer (&properties));
  json_builder_set_member_name (builder, "required");
  json_builder_begin_array (builder);
  for (guint i = 0; required[i] != NULL; i++)
    json_builder_add_string_value (builder, required[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "additionalProperties");
  json_builder_add_boolean_value (builder, FALSE);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
}

/**
 * swarmd_runner_tools:
 *
 * Returns: (transfer full): the four tools as JSON-schema functions
 */
JsonNode *
swarmd_runner_tools (void)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_array (builder);
  add_tool (builder, "run_command",
            "Run a shell command (bash -c) in the sandbox, in /home/user. Returns the exit code "
            "and the output (stdout and stderr together), cut to its first and last 8 KiB.",
            "{\"command\":{\"type\":\"string\",\"description\":\"The command line\"},"
            "\"timeout_s\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":600,"
            "\"description\":\"Seconds before the command is killed (default 120)\"}}",
            "command");
  add_tool (builder, "read_file",
            "Read a text file of the workspace (at most 64 KiB).",
            "{\"path\":{\"type\":\"string\",\"description\":\"Relative to /home/user, or absolute under it\"}}",
            "path");
  add_tool (builder, "write_file",
            "Create or replace a file of the workspace with the given content.",
            "{\"path\":{\"type\":\"string\",\"description\":\"Relative to /home/user, or absolute under it\"},"
            "\"content\":{\"type\":\"string\",\"description\":\"The whole new content\"}}",
            "path,content");
  add_tool (builder, "finish",
            "End your work with a result for the person who gave you the task.",
            "{\"result\":{\"type\":\"string\",\"description\":\"What you did and found\"},"
            "\"success\":{\"type\":\"boolean\",\"description\":\"Whether the task is done\"}}",
            "result,success");
  json_builder_end_array (builder);

  return json_builder_get_root (builder);
}

/* Bookkeeping -------------------------------------------------------------------- */

/**
 * swarmd_runner_redact:
 *
 * Returns: (transfer full): @text with the agent's secrets replaced
 */
char *
swarmd_runner_redact (SwarmdRunner *self,
                      const char   *text)
{
  return swarm_redact (text, self->environment);
}

static void
touch (SwarmdRunner *self)
{
  SwarmAgent *agent = self->agent;

  g_clear_pointer (&agent->updated_at, g_date_time_unref);
  agent->updated_at = g_date_time_new_now_utc ();
  if (self->started_us > 0)
    agent->execution_time_ms = (g_get_monotonic_time () - self->started_us) / 1000;

  g_signal_emit (self, signals[CHANGED], 0);
}

static void
log_entry (SwarmdRunner *self,
           SwarmLogKind  kind,
           const char   *text)
{
  g_autofree char *redacted = swarmd_runner_redact (self, text);
  g_autofree char *shown = NULL;

  if (strlen (redacted) > LOG_TEXT_MAX)
    {
      const char *end = redacted + LOG_TEXT_MAX;

      while (end > redacted && (*end & 0xC0) == 0x80)
        end--;
      shown = g_strdup_printf ("%.*s […]", (int) (end - redacted), redacted);
    }
  else
    {
      shown = g_steal_pointer (&redacted);
    }

  g_signal_emit (self, signals[LOG], 0, (int) kind, shown);
}

/* Ends the run: @status with @error_message (nullable), once. */
static void
finish_run (SwarmdRunner     *self,
            SwarmAgentStatus  status,
            const char       *error_message)
{
  SwarmAgent *agent = self->agent;

  if (self->finished)
    return;

  self->finished = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->deadline_id, g_source_remove);
  swarmd_sandbox_stop (self->sandbox);

  agent->status = status;
  g_free (agent->error_message);
  agent->error_message = swarmd_runner_redact (self, error_message);
  g_clear_pointer (&agent->completed_at, g_date_time_unref);
  agent->completed_at = g_date_time_new_now_utc ();

  if (error_message != NULL)
    log_entry (self, SWARM_LOG_KIND_SYSTEM, error_message);
  else
    log_entry (self, SWARM_LOG_KIND_SYSTEM, "agent completed");

  touch (self);
  g_signal_emit (self, signals[FINISHED], 0);
}

static void
add_message (SwarmdRunner *self,
             const char   *role,
             const char   *content,
             const char   *tool_call_id)
{
  JsonObject *message = json_object_new ();

  json_object_set_string_member (message, "role", role);
  json_object_set_string_member (message, "content", content);
  if (tool_call_id != NULL)
    json_object_set_string_member (message, "tool_call_id", tool_call_id);
  json_array_add_object_element (self->messages, message);
}

/* What goes back to the model is redacted too: the model needs a
 * variable's name, never its value. */
static void
tool_reply (SwarmdRunner *self,
            const char   *tool_call_id,
            const char   *content)
{
  g_autofree char *redacted = swarmd_runner_redact (self, content);

  add_message (self, "tool", redacted, tool_call_id);
}

static void
tool_error (SwarmdRunner *self,
            const char   *tool_call_id,
            const char   *message)
{
  g_autofree char *content = g_strdup_printf ("Error: %s", message);

  self->step_had_error = TRUE;
  tool_reply (self, tool_call_id, content);
  log_entry (self, SWARM_LOG_KIND_TOOL, content);
}

/* Limits ---------------------------------------------------------------------------- */

static gboolean
deadline_cb (gpointer user_data)
{
  SwarmdRunner *self = user_data;
  g_autofree char *reason = g_strdup_printf ("timeout: the agent ran longer than its %" G_GINT64_FORMAT " s",
                                             self->agent->config_timeout);

  self->deadline_id = 0;
  finish_run (self, SWARM_AGENT_STATUS_FAILED, reason);
  return G_SOURCE_REMOVE;
}

static gint64
max_steps (SwarmdRunner *self)
{
  return self->agent->config_max_steps > 0 ? self->agent->config_max_steps : SWARMD_DEFAULT_MAX_STEPS;
}

/* Tool calls ---------------------------------------------------------------------------- */

static char *
exec_result_json (SwarmdExecResult *result)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "exit_code");
  json_builder_add_int_value (builder, result->exit_code);
  json_builder_set_member_name (builder, "timed_out");
  json_builder_add_boolean_value (builder, result->timed_out);
  json_builder_set_member_name (builder, "duration_ms");
  json_builder_add_int_value (builder, result->duration_ms);
  json_builder_set_member_name (builder, "output");
  json_builder_add_string_value (builder, result->output);
  if (result->elided_bytes > 0)
    {
      json_builder_set_member_name (builder, "elided_bytes");
      json_builder_add_int_value (builder, (gint64) result->elided_bytes);
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return swarm_json_node_to_data (root, NULL);
}

typedef struct
{
  SwarmdRunner *self;     /* (owned) */
  char         *call_id;
} CallData;

static void
call_data_free (CallData *data)
{
  g_object_unref (data->self);
  g_free (data->call_id);
  g_free (data);
}

static void
exec_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  CallData *data = user_data;
  SwarmdRunner *self = data->self;
  g_autoptr(SwarmdExecResult) exec = NULL;
  g_autoptr(GError) error = NULL;

  exec = swarmd_sandbox_exec_finish (SWARMD_SANDBOX (object), result, &error);

  if (self->finished)
    {
      call_data_free (data);
      return;
    }

  if (exec == NULL)
    {
      g_autofree char *reason = g_strdup_printf ("sandbox error: %s", error->message);

      call_data_free (data);
      finish_run (self, SWARM_AGENT_STATUS_FAILED, reason);
      return;
    }

  {
    g_autofree char *json = exec_result_json (exec);
    g_autofree char *logged = NULL;

    if (exec->timed_out)
      logged = g_strdup_printf ("timed out after %" G_GINT64_FORMAT " ms, killed\n%s",
                                exec->duration_ms, exec->output);
    else
      logged = g_strdup_printf ("exit %d (%" G_GINT64_FORMAT " ms)\n%s",
                                exec->exit_code, exec->duration_ms, exec->output);

    log_entry (self, SWARM_LOG_KIND_OUTPUT, logged);
    tool_reply (self, data->call_id, json);
  }

  self->step_had_success = TRUE;
  self->call_index++;
  call_data_free (data);
  touch (self);
  run_next_call (self);
}

static const char *
get_string_arg (JsonObject *args,
                const char *name)
{
  JsonNode *node = args != NULL ? json_object_get_member (args, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

/* Runs tool call number call_index; returns FALSE when it continues
 * asynchronously and will call run_next_call() itself. */
static gboolean
run_call (SwarmdRunner *self,
          JsonObject   *call)
{
  JsonObject *function = NULL;
  const char *call_id = NULL;
  const char *name = NULL;
  g_autoptr(JsonNode) args_node = NULL;
  JsonObject *args = NULL;
  JsonNode *id_node, *function_node, *arguments;

  id_node = json_object_get_member (call, "id");
  if (id_node != NULL && JSON_NODE_HOLDS_VALUE (id_node) && json_node_get_value_type (id_node) == G_TYPE_STRING)
    call_id = json_node_get_string (id_node);
  if (call_id == NULL)
    call_id = "call_without_id";

  function_node = json_object_get_member (call, "function");
  if (function_node != NULL && JSON_NODE_HOLDS_OBJECT (function_node))
    function = json_node_get_object (function_node);
  if (function != NULL)
    name = get_string_arg (function, "name");

  if (self->finish_called)
    {
      tool_reply (self, call_id, "Not executed: finish was called earlier in this reply.");
      return TRUE;
    }

  /* Arguments are a string holding JSON; some servers send an object. */
  arguments = function != NULL ? json_object_get_member (function, "arguments") : NULL;
  if (arguments != NULL && JSON_NODE_HOLDS_VALUE (arguments) &&
      json_node_get_value_type (arguments) == G_TYPE_STRING)
    {
      const char *text = json_node_get_string (arguments);
      g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));

      args_node = *text != '\0' ? swarm_json_parse_bytes (bytes,
                                                          NULL) : json_from_string ("{}", NULL);
    }
  else if (arguments != NULL && JSON_NODE_HOLDS_OBJECT (arguments))
    {
      args_node = json_node_copy (arguments);
    }

  if (args_node == NULL || !JSON_NODE_HOLDS_OBJECT (args_node))
    {
      tool_error (self, call_id,
                  "the arguments are not a valid JSON object. Call the tool again with "
                                 "arguments that match its schema.");
      return TRUE;
    }
  args = json_node_get_object (args_node);

  if (g_strcmp0 (name, "run_command") == 0)
    {
      const char *command = get_string_arg (args, "command");
      gint64 timeout = SWARMD_DEFAULT_COMMAND_TIMEOUT;
      CallData *data;

      if (command == NULL || *command == '\0')
        {
          tool_error (self, call_id, "run_command needs a “command” string.");
          return TRUE;
        }

      if (json_object_has_member (args, "timeout_s") &&
          !swarm_json_get_int (args, "timeout_s", FALSE, 1, G_MAXINT32, &timeout, NULL))
        timeout = SWARMD_DEFAULT_COMMAND_TIMEOUT;
      timeout = CLAMP (timeout, 1, SWARMD_MAX_COMMAND_TIMEOUT);

      {
        g_autofree char *shown = g_strdup_printf ("$ %s", command);
        log_entry (self, SWARM_LOG_KIND_TOOL, shown);
      }

      data = g_new0 (CallData, 1);
      data->self = g_object_ref (self);
      data->call_id = g_strdup (call_id);
      swarmd_sandbox_exec_async (self->sandbox, command, (guint) timeout, self->cancellable,
                                 exec_cb, data);
      return FALSE;
    }

  if (g_strcmp0 (name, "read_file") == 0)
    {
      const char *path = get_string_arg (args, "path");
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) contents = NULL;
      g_autofree char *shown = g_strdup_printf ("read_file %s", path != NULL ? path : "(no path)");

      log_entry (self, SWARM_LOG_KIND_TOOL, shown);
      if (path == NULL)
        {
          tool_error (self, call_id, "read_file needs a “path” string.");
          return TRUE;
        }

      contents = swarmd_sandbox_read_file (self->sandbox, path, &error);
      if (contents == NULL)
        {
          tool_error (self, call_id, error->message);
          return TRUE;
        }

      {
        g_autofree char *text = g_strndup (g_bytes_get_data (contents, NULL),
                                           g_bytes_get_size (contents));
        g_autofree char *logged = g_strdup_printf ("%" G_GSIZE_FORMAT " bytes\n%s",
                                                   g_bytes_get_size (contents), text);

        tool_reply (self, call_id, text);
        log_entry (self, SWARM_LOG_KIND_OUTPUT, logged);
      }
      self->step_had_success = TRUE;
      return TRUE;
    }

  if (g_strcmp0 (name, "write_file") == 0)
    {
      const char *path = get_string_arg (args, "path");
      const char *content = get_string_arg (args, "content");
      g_autoptr(GError) error = NULL;
      g_autofree char *shown = g_strdup_printf ("write_file %s", path != NULL ? path : "(no path)");

      log_entry (self, SWARM_LOG_KIND_TOOL, shown);
      if (path == NULL || content == NULL)
        {
          tool_error (self, call_id, "write_file needs “path” and “content” strings.");
          return TRUE;
        }

      if (!swarmd_sandbox_write_file (self->sandbox, path, content, strlen (content), &error))
        {
          tool_error (self, call_id, error->message);
          return TRUE;
        }

      {
        g_autofree char *reply = g_strdup_printf ("Wrote %" G_GSIZE_FORMAT " bytes to %s.",
                                                  strlen (content), path);

        tool_reply (self, call_id, reply);
        log_entry (self, SWARM_LOG_KIND_OUTPUT, reply);
      }
      self->step_had_success = TRUE;
      return TRUE;
    }

  if (g_strcmp0 (name, "finish") == 0)
    {
      const char *result = get_string_arg (args, "result");
      JsonNode *success = json_object_get_member (args, "success");

      if (result == NULL || success == NULL || !JSON_NODE_HOLDS_VALUE (success) ||
          json_node_get_value_type (success) != G_TYPE_BOOLEAN)
        {
          tool_error (self, call_id, "finish needs a “result” string and a “success” boolean.");
          return TRUE;
        }

      self->finish_called = TRUE;
      self->finish_success = json_node_get_boolean (success);
      swarm_set_str (&self->finish_result, result);
      tool_reply (self, call_id, "Finished.");
      self->step_had_success = TRUE;
      return TRUE;
    }

  {
    g_autofree char *message = g_strdup_printf ("there is no tool “%s”. Use run_command, read_file, "
                                                "write_file or finish.", name != NULL ? name : "");
    tool_error (self, call_id, message);
  }
  return TRUE;
}

static void
step_done (SwarmdRunner *self)
{
  SwarmAgent *agent = self->agent;

  g_clear_pointer (&self->calls, json_array_unref);

  if (self->finish_called)
    {
      g_free (agent->result);
      agent->result = swarmd_runner_redact (self, self->finish_result);
      finish_run (self,
                  self->finish_success ? SWARM_AGENT_STATUS_COMPLETED : SWARM_AGENT_STATUS_FAILED,
                  self->finish_success ? NULL : "the agent finished without success");
      return;
    }

  if (self->step_had_error && !self->step_had_success)
    self->format_errors++;
  else
    self->format_errors = 0;

  if (self->format_errors >= SWARMD_MAX_FORMAT_ERRORS)
    {
      finish_run (self, SWARM_AGENT_STATUS_FAILED,
                  "format errors: the model made no valid tool call 3 times in a row");
      return;
    }

  touch (self);
  next_step (self);
}

static void
run_next_call (SwarmdRunner *self)
{
  while (!self->finished && self->calls != NULL && self->call_index < json_array_get_length (self->calls))
    {
      JsonNode *node = json_array_get_element (self->calls, self->call_index);

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          /* Without an id it cannot be answered; it still counts as an error. */
          self->step_had_error = TRUE;
          self->call_index++;
          continue;
        }

      if (!run_call (self, json_node_get_object (node)))
        return;   /* run_command continues in exec_cb */

      self->call_index++;
    }

  if (!self->finished)
    step_done (self);
}

/* Model calls --------------------------------------------------------------------------- */

static void
bill (SwarmdRunner   *self,
      SwarmdLlmReply *reply)
{
  SwarmAgent *agent = self->agent;
  double cost = reply->cost_usd;

  if (cost < 0)
    cost = (reply->prompt_tokens * self->config->prompt_price +
            reply->completion_tokens * self->config->completion_price) / 1e6;

  agent->tokens_used += reply->total_tokens;
  agent->cost_usd += cost;
  agent->steps++;

  g_debug ("Agent %s: step %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT " tokens in all",
           agent->id, agent->steps, agent->tokens_used);
}

static void
chat_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(SwarmdRunner) self = user_data;
  g_autoptr(SwarmdLlmReply) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) summary = g_string_new (NULL);

  reply = swarmd_llm_chat_finish (result, &error);

  if (self->finished)
    return;

  if (reply == NULL)
    {
      g_autofree char *reason = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      reason = g_strdup_printf ("LLM error: %s", error->message);
      finish_run (self, SWARM_AGENT_STATUS_FAILED, reason);
      return;
    }

  /* Bill first: the reply cost money whatever it says. */
  bill (self, reply);
  json_array_add_element (self->messages, json_node_ref (reply->message));

  if (reply->content != NULL && *reply->content != '\0')
    g_string_append (summary, reply->content);
  if (reply->tool_calls != NULL)
    {
      for (guint i = 0; i < json_array_get_length (reply->tool_calls); i++)
        {
          JsonNode *call = json_array_get_element (reply->tool_calls, i);
          const char *name = NULL;

          if (JSON_NODE_HOLDS_OBJECT (call))
            {
              JsonNode *function = json_object_get_member (json_node_get_object (call), "function");

              if (function != NULL && JSON_NODE_HOLDS_OBJECT (function))
                name = get_string_arg (json_node_get_object (function), "name");
            }
          g_string_append_printf (summary, "%s→ %s", summary->len > 0 ? "\n" : "",
                                  name != NULL ? name : "?");
        }
    }
  if (summary->len == 0)
    g_string_append (summary, "(empty reply)");
  {
    g_autofree char *line = g_strdup_printf ("step %" G_GINT64_FORMAT ": %s", self->agent->steps,
                                             summary->str);
    log_entry (self, SWARM_LOG_KIND_LLM, line);
  }

  self->step_had_error = FALSE;
  self->step_had_success = FALSE;

  if (reply->tool_calls == NULL)
    {
      const char *correction = g_strcmp0 (reply->finish_reason, "length") == 0
        ? "Your reply was cut off because it was too long. Reply again, shorter, with a tool call."
        : "Reply with a tool call: run_command, read_file, write_file, or finish when you are done.";

      add_message (self, "user", correction, NULL);
      log_entry (self, SWARM_LOG_KIND_SYSTEM, correction);
      self->step_had_error = TRUE;
      step_done (self);
      return;
    }

  self->calls = json_array_ref (reply->tool_calls);
  self->call_index = 0;
  run_next_call (self);
}

static void
next_step (SwarmdRunner *self)
{
  SwarmAgent *agent = self->agent;
  g_autoptr(JsonNode) messages = NULL;
  const char *model;

  if (self->finished)
    return;

  /* Limits come first, before money is spent. */
  if (agent->steps >= max_steps (self))
    {
      g_autofree char *reason = g_strdup_printf ("max_steps reached: the agent used all %" G_GINT64_FORMAT " steps",
                                                 max_steps (self));
      finish_run (self, SWARM_AGENT_STATUS_FAILED, reason);
      return;
    }

  if (agent->config_max_cost_usd > 0 && agent->cost_usd >= agent->config_max_cost_usd)
    {
      g_autofree char *reason = g_strdup_printf ("max_cost_usd reached: $%.4f spent of $%.4f",
                                                 agent->cost_usd, agent->config_max_cost_usd);
      finish_run (self, SWARM_AGENT_STATUS_FAILED, reason);
      return;
    }

  model = agent->config_model != NULL ? agent->config_model : self->config->model;
  messages = json_node_new (JSON_NODE_ARRAY);
  json_node_set_array (messages, self->messages);

  swarmd_llm_chat_async (self->session, self->config, model, messages, self->tools,
                         self->cancellable, chat_cb, g_object_ref (self));
}

/* Object ------------------------------------------------------------------------------------ */

static void
swarmd_runner_dispose (GObject *object)
{
  SwarmdRunner *self = SWARMD_RUNNER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->deadline_id, g_source_remove);

  G_OBJECT_CLASS (swarmd_runner_parent_class)->dispose (object);
}

static void
swarmd_runner_finalize (GObject *object)
{
  SwarmdRunner *self = SWARMD_RUNNER (object);

  g_clear_object (&self->agent);
  g_clear_object (&self->sandbox);
  g_clear_pointer (&self->environment, g_hash_table_unref);
  g_clear_pointer (&self->config, swarmd_llm_config_free);
  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->messages, json_array_unref);
  g_clear_pointer (&self->tools, json_node_unref);
  g_clear_pointer (&self->calls, json_array_unref);
  g_free (self->finish_result);

  G_OBJECT_CLASS (swarmd_runner_parent_class)->finalize (object);
}

static void
swarmd_runner_class_init (SwarmdRunnerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = swarmd_runner_dispose;
  object_class->finalize = swarmd_runner_finalize;

  /**
   * SwarmdRunner::changed:
   *
   * The agent's fields changed; store them.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * SwarmdRunner::log:
   * @kind: a #SwarmLogKind
   * @text: the entry, secrets already replaced
   */
  signals[LOG] = g_signal_new ("log", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                               0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_STRING);

  /**
   * SwarmdRunner::finished:
   *
   * The run ended: completed, failed or stopped.
   */
  signals[FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
swarmd_runner_init (SwarmdRunner *self)
{
  self->cancellable = g_cancellable_new ();
  self->messages = json_array_new ();
  self->tools = swarmd_runner_tools ();
}

/**
 * swarmd_runner_new:
 * @agent: the agent, changed in place as it runs
 * @environment: (nullable): the agent's variables; secrets, memory only
 */
SwarmdRunner *
swarmd_runner_new (SwarmAgent            *agent,
                   SwarmdSandbox         *sandbox,
                   GHashTable            *environment,
                   const SwarmdLlmConfig *config,
                   SoupSession           *session)
{
  SwarmdRunner *self = g_object_new (SWARMD_TYPE_RUNNER, NULL);

  self->agent = g_object_ref (agent);
  self->sandbox = g_object_ref (sandbox);
  self->environment = environment != NULL ? g_hash_table_ref (environment) : NULL;
  self->config = swarmd_llm_config_copy (config);
  self->session = g_object_ref (session);

  return self;
}

/**
 * swarmd_runner_start:
 *
 * Marks the agent running and takes the first step.
 */
void
swarmd_runner_start (SwarmdRunner *self)
{
  SwarmAgent *agent = self->agent;
  g_autofree char *started = NULL;

  g_return_if_fail (SWARMD_IS_RUNNER (self));

  if (self->finished)
    return;

  self->started_us = g_get_monotonic_time ();
  agent->status = SWARM_AGENT_STATUS_RUNNING;
  g_clear_pointer (&agent->started_at, g_date_time_unref);
  agent->started_at = g_date_time_new_now_utc ();
  swarm_set_str (&agent->model,
                 agent->config_model != NULL ? agent->config_model : self->config->model);

  add_message (self, "system", swarmd_runner_system_prompt (agent->agent_type), NULL);
  add_message (self, "user", agent->task_description, NULL);

  if (agent->config_timeout > 0)
    self->deadline_id = g_timeout_add_seconds ((guint) MIN (agent->config_timeout,
                                                            G_MAXUINT / 1000),
                                               deadline_cb, self);

  started = g_strdup_printf ("agent started: %s, model %s, template %s, sandbox %s%s",
                             agent->agent_type, agent->model,
                             agent->template_id != NULL ? agent->template_id : "base",
                             swarmd_sandbox_get_id (self->sandbox),
                             swarmd_sandbox_get_network (self->sandbox) ? ", network on" : "");
  log_entry (self, SWARM_LOG_KIND_SYSTEM, started);
  touch (self);

  next_step (self);
}

/**
 * swarmd_runner_stop:
 * @reason: the agent's error message, e.g. “terminated by user”
 *
 * Cancels the LLM request in flight (not billed: its reply never came),
 * kills the running command's tree, and marks the agent failed.
 */
void
swarmd_runner_stop (SwarmdRunner *self,
                    const char   *reason)
{
  g_return_if_fail (SWARMD_IS_RUNNER (self));

  finish_run (self, SWARM_AGENT_STATUS_FAILED, reason);
}

gboolean
swarmd_runner_is_finished (SwarmdRunner *self)
{
  g_return_val_if_fail (SWARMD_IS_RUNNER (self), TRUE);

  return self->finished;
}

SwarmAgent *
swarmd_runner_get_agent (SwarmdRunner *self)
{
  g_return_val_if_fail (SWARMD_IS_RUNNER (self), NULL);

  return self->agent;
}

SwarmdSandbox *
swarmd_runner_get_sandbox (SwarmdRunner *self)
{
  g_return_val_if_fail (SWARMD_IS_RUNNER (self), NULL);

  return self->sandbox;
}
