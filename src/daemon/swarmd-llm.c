/* swarmd-llm.c — one OpenAI-compatible chat-completions request
 *
 * POST {base-url}/chat/completions with the history and the tools; 429, 5xx
 * and network failures are retried with exponential back-off that honours
 * Retry-After; 401/402 fail at once with a sentence a person understands.
 * Each attempt has a deadline of `request-timeout` seconds for the whole
 * exchange.  The key travels only in the Authorization header.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarmd-llm"

#include "config.h"

#include <math.h>
#include <libsoup/soup.h>

#include "swarm-core.h"
#include "swarmd-llm.h"

#define MAX_ATTEMPTS      5
#define MAX_BACKOFF_MS    60000

G_DEFINE_QUARK (swarmd-llm-error-quark, swarmd_llm_error)

typedef struct
{
  GTask           *task;          /* (unowned): the task owning this */
  GCancellable    *cancellable;   /* (owned) (nullable): the caller's */
  SoupSession     *session;       /* (owned) */
  SwarmdLlmConfig *config;        /* (owned) */
  GBytes          *body;          /* (owned) */
  SoupMessage     *msg;           /* (owned) (nullable): the attempt in flight */
  GCancellable    *attempt;       /* (owned) (nullable) */
  gulong           cancel_id;
  guint            deadline_id;
  guint            backoff_id;
  gboolean         timed_out;
  guint            attempts;
} Request;

static void
request_free (Request *req)
{
  if (req->cancellable != NULL)
    {
      g_cancellable_disconnect (req->cancellable, req->cancel_id);
      g_object_unref (req->cancellable);
    }
  g_clear_handle_id (&req->deadline_id, g_source_remove);
  g_clear_handle_id (&req->backoff_id, g_source_remove);
  g_clear_object (&req->attempt);
  g_clear_object (&req->msg);
  g_clear_pointer (&req->body, g_bytes_unref);
  g_clear_pointer (&req->config, swarmd_llm_config_free);
  g_clear_object (&req->session);
  g_free (req);
}

void
swarmd_llm_reply_free (SwarmdLlmReply *reply)
{
  if (reply == NULL)
    return;

  g_clear_pointer (&reply->message, json_node_unref);
  g_clear_pointer (&reply->tool_calls, json_array_unref);
  g_free (reply->content);
  g_free (reply->finish_reason);
  g_free (reply);
}

static void send_attempt (GTask *task);

static gint64
retry_after_ms (SoupMessage *msg)
{
  const char *value = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                    "Retry-After");
  guint64 seconds;

  if (value != NULL && g_ascii_string_to_unsigned (value, 10, 0, 3600, &seconds, NULL))
    return (gint64) seconds * 1000;

  return -1;
}

static gboolean
backoff_done_cb (gpointer user_data)
{
  GTask *task = user_data;
  Request *req = g_task_get_task_data (task);

  req->backoff_id = 0;
  send_attempt (task);
  return G_SOURCE_REMOVE;
}

/* Tries again later, or gives up with @error after the last attempt. */
static void
retry_or_fail (GTask  *task,
               gint64  wait_ms,
               GError *error)
{
  Request *req = g_task_get_task_data (task);

  if (g_task_return_error_if_cancelled (task))
    {
      g_error_free (error);
      g_object_unref (task);
      return;
    }

  if (req->attempts >= MAX_ATTEMPTS)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  if (wait_ms < 0)
    wait_ms = (gint64) req->config->retry_base_ms << (req->attempts - 1);
  wait_ms = MIN (wait_ms, MAX_BACKOFF_MS);

  g_debug ("Attempt %u failed (%s); retrying in %" G_GINT64_FORMAT " ms",
           req->attempts, error->message, wait_ms);
  g_error_free (error);

  req->backoff_id = g_timeout_add ((guint) wait_ms, backoff_done_cb, task);
}

static char *
server_message (GBytes *body)
{
  g_autoptr(JsonNode) root = NULL;
  JsonNode *error;

  if (body == NULL || g_bytes_get_size (body) == 0)
    return NULL;

  root = swarm_json_parse_bytes (body, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  error = json_object_get_member (json_node_get_object (root), "error");
  if (error != NULL && JSON_NODE_HOLDS_OBJECT (error))
    {
      JsonNode *message = json_object_get_member (json_node_get_object (error), "message");

      if (message != NULL && JSON_NODE_HOLDS_VALUE (message) &&
          json_node_get_value_type (message) == G_TYPE_STRING)
        return swarm_sanitize_message (json_node_get_string (message), 300);
    }

  return NULL;
}

static gint64
get_usage_int (JsonObject *usage,
               const char *member)
{
  gint64 value = 0;

  if (!swarm_json_get_int (usage, member, FALSE, 0, G_MAXINT64 / 4, &value, NULL))
    return 0;
  return value;
}

static SwarmdLlmReply *
parse_reply (GBytes  *body,
             GError **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SwarmdLlmReply) reply = g_new0 (SwarmdLlmReply, 1);
  g_autoptr(GError) local_error = NULL;
  JsonObject *object;
  JsonNode *choices, *usage, *message;
  JsonObject *choice, *message_object;

  root = swarm_json_parse_bytes (body, &local_error);
  if (root == NULL)
    goto bad;

  if (!JSON_NODE_HOLDS_OBJECT (root))
    goto bad_shape;
  object = json_node_get_object (root);

  reply->cost_usd = -1;
  usage = json_object_get_member (object, "usage");
  if (usage != NULL && JSON_NODE_HOLDS_OBJECT (usage))
    {
      JsonObject *u = json_node_get_object (usage);
      double cost = -1;

      reply->prompt_tokens = get_usage_int (u, "prompt_tokens");
      reply->completion_tokens = get_usage_int (u, "completion_tokens");
      reply->total_tokens = get_usage_int (u, "total_tokens");
      if (reply->total_tokens == 0)
        reply->total_tokens = reply->prompt_tokens + reply->completion_tokens;
      if (json_object_has_member (u, "cost") &&
          swarm_json_get_double (u, "cost", FALSE, 0, 1e6, &cost, NULL))
        reply->cost_usd = cost;
    }

  choices = json_object_get_member (object, "choices");
  if (choices == NULL || !JSON_NODE_HOLDS_ARRAY (choices) || json_array_get_length (json_node_get_array (choices)) == 0)
    goto bad_shape;

  if (!JSON_NODE_HOLDS_OBJECT (json_array_get_element (json_node_get_array (choices), 0)))
    goto bad_shape;
  choice = json_array_get_object_element (json_node_get_array (choices), 0);

  swarm_json_get_string (choice, "finish_reason", FALSE, &reply->finish_reason, NULL);

  message = json_object_get_member (choice, "message");
  if (message == NULL || !JSON_NODE_HOLDS_OBJECT (message))
    goto bad_shape;
  message_object = json_node_get_object (message);

  if (!swarm_json_get_string (message_object, "content", FALSE, &reply->content, NULL))
    reply->content = NULL;

  if (json_object_has_member (message_object, "tool_calls"))
    {
      JsonNode *calls = json_object_get_member (message_object, "tool_calls");

      if (JSON_NODE_HOLDS_ARRAY (calls) && json_array_get_length (json_node_get_array (calls)) > 0)
        reply->tool_calls = json_array_ref (json_node_get_array (calls));
    }

  reply->message = json_node_copy (message);
  return g_steal_pointer (&reply);

bad_shape:
  g_set_error_literal (error, SWARMD_LLM_ERROR, SWARMD_LLM_ERROR_BAD_RESPONSE,
                       "The language model server sent a reply without a message.");
  return NULL;

bad:
  g_set_error (error, SWARMD_LLM_ERROR, SWARMD_LLM_ERROR_BAD_RESPONSE,
               "The language model server sent a reply that is not JSON: %s", local_error->message);
  return NULL;
}

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  Request *req = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;
  GError *error = NULL;
  guint status;

  g_clear_handle_id (&req->deadline_id, g_source_remove);

  body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);

  if (body == NULL)
    {
      if (g_task_return_error_if_cancelled (task))
        {
          g_error_free (error);
          g_object_unref (task);
          return;
        }

      if (req->timed_out)
        {
          g_clear_error (&error);
          error = g_error_new (SWARMD_LLM_ERROR, SWARMD_LLM_ERROR_TIMED_OUT,
                               "The language model server did not answer within %u s.",
                               req->config->request_timeout);
        }
      else
        {
          g_autofree char *text = g_strdup_printf ("Could not reach the language model server at %s: %s",
                                                   req->config->base_url, error->message);
          g_clear_error (&error);
          error = g_error_new_literal (SWARMD_LLM_ERROR, SWARMD_LLM_ERROR_UNAVAILABLE, text);
        }
      retry_or_fail (task, -1, error);
      return;
    }

  status = soup_message_get_status (req->msg);

  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      SwarmdLlmReply *reply = parse_reply (body, &error);

      if (reply == NULL)
        {
          retry_or_fail (task, -1, error);
          return;
        }

      reply->attempts = req->attempts;
      g_task_return_pointer (task, reply, (GDestroyNotify) swarmd_llm_reply_free);
      g_object_unref (task);
      return;
    }

  {
    g_autofree char *message = server_message (body);
    const char *detail = message != NULL ? message : soup_status_get_phrase (status);

    if (status == 401 || status == 403)
      error = g_error_new (SWARMD_LLM_ERROR, SWARMD_LLM_ERROR_UNAUTHORIZED,
                           "The language model server refused the API key (HTTP %u: %s).", status, detail);
    else if (status == 402)
      error = g_error_new (SWARMD_LLM_ERROR, SWARMD_LLM_ERROR_PAYMENT,
                           "The language model account has no credits left (HTTP 402: %s).", detail);
    else if (status == 429 || status == 408 || status >= 500)
      {
        error = g_error_new (SWARMD_LLM_ERROR, SWARMD_LLM_ERROR_UNAVAILABLE,
                             "The language model server is unavailable (HTTP %u: %s).", status, detail);
        retry_or_fail (task, retry_after_ms (req->msg), error);
        return;
      }
    else
      error = g_error_new (SWARMD_LLM_ERROR, SWARMD_LLM_ERROR_REJECTED,
                           "The language model server rejected the request (HTTP %u: %s).", status, detail);
  }

  g_task_return_error (task, error);
  g_object_unref (task);
}

static gboolean
deadline_cb (gpointer user_data)
{
  Request *req = user_data;

  req->deadline_id = 0;
  req->timed_out = TRUE;
  g_cancellable_cancel (req->attempt);
  return G_SOURCE_REMOVE;
}

/* Stops the attempt in flight, or cuts a back-off short, so a stop never
 * waits for a retry. */
static void
on_cancelled_cb (GCancellable *cancellable,
                 gpointer      user_data)
{
  Request *req = user_data;

  if (req->attempt != NULL)
    g_cancellable_cancel (req->attempt);

  if (req->backoff_id != 0)
    {
      g_source_remove (req->backoff_id);
      req->backoff_id = g_idle_add (backoff_done_cb, req->task);
    }
}

static void
send_attempt (GTask *task)
{
  Request *req = g_task_get_task_data (task);
  g_autofree char *url = g_strconcat (req->config->base_url, "/chat/completions", NULL);
  SoupMessageHeaders *headers;

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  req->attempts++;
  req->timed_out = FALSE;
  g_clear_object (&req->msg);
  g_clear_object (&req->attempt);

  req->msg = soup_message_new (SOUP_METHOD_POST, url);
  if (req->msg == NULL)
    {
      g_task_return_new_error (task, SWARMD_LLM_ERROR, SWARMD_LLM_ERROR_REJECTED,
                               "“%s” is not a valid language model address.", req->config->base_url);
      g_object_unref (task);
      return;
    }

  headers = soup_message_get_request_headers (req->msg);
  soup_message_headers_replace (headers, "Accept", "application/json");
  soup_message_headers_replace (headers, "X-Title", "Swarmyard");
  if (req->config->api_key != NULL)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", req->config->api_key, NULL);

      soup_message_headers_replace (headers, "Authorization", auth);
      swarm_str_wipe (auth);
    }
  soup_message_set_request_body_from_bytes (req->msg, "application/json", req->body);

  req->attempt = g_cancellable_new ();
  req->deadline_id = g_timeout_add_seconds (req->config->request_timeout, deadline_cb, req);

  soup_session_send_and_read_async (req->session, req->msg, G_PRIORITY_DEFAULT, req->attempt,
                                    send_cb, task);
}

/**
 * swarmd_llm_chat_async:
 * @model: the model to ask
 * @messages: the history, a JSON array of chat messages
 * @tools: the tools, a JSON array of function definitions
 *
 * Sends one chat-completions request, retrying as described above.
 */
void
swarmd_llm_chat_async (SoupSession           *session,
                       const SwarmdLlmConfig *config,
                       const char            *model,
                       JsonNode              *messages,
                       JsonNode              *tools,
                       GCancellable          *cancellable,
                       GAsyncReadyCallback    callback,
                       gpointer               user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  Request *req = g_new0 (Request, 1);
  char *data;
  gsize length;

  g_task_set_source_tag (task, swarmd_llm_chat_async);
  req->task = task;
  req->session = g_object_ref (session);
  req->config = swarmd_llm_config_copy (config);
  g_task_set_task_data (task, req, (GDestroyNotify) request_free);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, model);
  json_builder_set_member_name (builder, "messages");
  json_builder_add_value (builder, json_node_ref (messages));
  json_builder_set_member_name (builder, "tools");
  json_builder_add_value (builder, json_node_ref (tools));
  json_builder_set_member_name (builder, "tool_choice");
  json_builder_add_string_value (builder, "auto");
  json_builder_set_member_name (builder, "max_tokens");
  json_builder_add_int_value (builder, 4096);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  data = swarm_json_node_to_data (root, &length);
  req->body = g_bytes_new_take (data, length);

  if (cancellable != NULL)
    {
      req->cancellable = g_object_ref (cancellable);
      req->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled_cb), req, NULL);
    }

  send_attempt (task);
}

/**
 * swarmd_llm_chat_finish:
 *
 * Returns: (transfer full): the reply, or %NULL with @error set
 */
SwarmdLlmReply *
swarmd_llm_chat_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
