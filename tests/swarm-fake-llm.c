/* swarm-fake-llm.c — an in-process OpenAI-compatible chat-completions server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarm-fake-llm"

#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "swarm-fake-llm.h"
#include "swarm-json.h"

typedef enum
{
  STEP_REPLY,
  STEP_HANG,
} StepKind;

typedef struct
{
  StepKind  kind;
  guint     status;
  char     *body;
  char     *retry_after;
} Step;

struct _SwarmFakeLlm
{
  GObject     parent_instance;

  SoupServer *server;
  char       *url;
  GQueue     *script;        /* (element-type Step) */
  char       *fallback;      /* (nullable): body when the script is empty */
  GPtrArray  *requests;      /* (element-type JsonNode) */
  GPtrArray  *auth;          /* (element-type utf8) */
  GList      *hanging;       /* (element-type SoupServerMessage) */
  guint       cancelled;
  guint       delay_ms;
  guint       call_counter;
};

G_DEFINE_FINAL_TYPE (SwarmFakeLlm, swarm_fake_llm, G_TYPE_OBJECT)

static void
step_free (Step *step)
{
  g_free (step->body);
  g_free (step->retry_after);
  g_free (step);
}

static char *
completion_body (SwarmFakeLlm *self,
                 const char   *content,
                 const char   *tool_name,
                 const char   *arguments_json,
                 gint64        prompt_tokens,
                 gint64        completion_tokens,
                 double        cost)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *call_id = g_strdup_printf ("call_%u", ++self->call_counter);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, "gen-fake");
  json_builder_set_member_name (builder, "object");
  json_builder_add_string_value (builder, "chat.completion");
  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, "fake/model");
  json_builder_set_member_name (builder, "choices");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "index");
  json_builder_add_int_value (builder, 0);
  json_builder_set_member_name (builder, "message");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "role");
  json_builder_add_string_value (builder, "assistant");
  json_builder_set_member_name (builder, "content");
  if (content != NULL)
    json_builder_add_string_value (builder, content);
  else
    json_builder_add_null_value (builder);
  if (tool_name != NULL)
    {
      json_builder_set_member_name (builder, "tool_calls");
      json_builder_begin_array (builder);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, call_id);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, "function");
      json_builder_set_member_name (builder, "function");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, tool_name);
      json_builder_set_member_name (builder, "arguments");
      json_builder_add_string_value (builder, arguments_json);
      json_builder_end_object (builder);
      json_builder_end_object (builder);
      json_builder_end_array (builder);
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "finish_reason");
  json_builder_add_string_value (builder, tool_name != NULL ? "tool_calls" : "stop");
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "usage");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "prompt_tokens");
  json_builder_add_int_value (builder, prompt_tokens);
  json_builder_set_member_name (builder, "completion_tokens");
  json_builder_add_int_value (builder, completion_tokens);
  json_builder_set_member_name (builder, "total_tokens");
  json_builder_add_int_value (builder, prompt_tokens + completion_tokens);
  if (cost >= 0)
    {
      json_builder_set_member_name (builder, "cost");
      json_builder_add_double_value (builder, cost);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return swarm_json_node_to_data (root, NULL);
}

static void
on_finished_cb (SoupServerMessage *msg,
                SwarmFakeLlm      *self)
{
  GList *link = g_list_find (self->hanging, msg);

  /* The client went away while we hung: a cancelled request. */
  if (link != NULL)
    {
      self->hanging = g_list_delete_link (self->hanging, link);
      self->cancelled++;
      g_object_unref (msg);
    }
}

static void
respond (SwarmFakeLlm      *self,
         SoupServerMessage *msg,
         Step              *step)
{
  if (step->kind == STEP_HANG)
    {
      soup_server_message_pause (msg);
      self->hanging = g_list_prepend (self->hanging, g_object_ref (msg));
      g_signal_connect_object (msg, "finished", G_CALLBACK (on_finished_cb), self, 0);
      return;
    }

  soup_server_message_set_status (msg, step->status, NULL);
  if (step->retry_after != NULL)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After",
                                  step->retry_after);
  if (step->body != NULL)
    soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                      step->body, strlen (step->body));
}

typedef struct
{
  SwarmFakeLlm      *self;
  SoupServerMessage *msg;
  Step              *step;
} Delayed;

static gboolean
delayed_cb (gpointer user_data)
{
  Delayed *delayed = user_data;

  respond (delayed->self, delayed->msg, delayed->step);
  soup_server_message_unpause (delayed->msg);
  g_object_unref (delayed->msg);
  g_object_unref (delayed->self);
  step_free (delayed->step);
  g_free (delayed);
  return G_SOURCE_REMOVE;
}

static void
server_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  SwarmFakeLlm *self = user_data;
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  JsonNode *request;
  Step *step;

  /* OpenAI's model list, as the app's Preferences check reads it: a
   * valid key ("sk-" then anything) sees two models, others a 401. */
  if (g_str_equal (path, "/v1/models") && g_str_equal (soup_server_message_get_method (msg), "GET"))
    {
      const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                       "Authorization");
      static const char models[] = "{\"object\":\"list\",\"data\":[{\"id\":\"fake/model\",\"object\":\"model\"},"
                                   "{\"id\":\"fake/other\",\"object\":\"model\"}]}";

      if (auth == NULL || !g_str_has_prefix (auth, "Bearer sk-"))
        {
          soup_server_message_set_status (msg, SOUP_STATUS_UNAUTHORIZED, NULL);
          return;
        }
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC,
                                        models, sizeof models - 1);
      return;
    }

  if (!g_str_equal (path, "/v1/chat/completions") ||
      !g_str_equal (soup_server_message_get_method (msg), "POST"))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }

  request = swarm_json_parse_bytes (body, NULL);
  g_ptr_array_add (self->requests, request != NULL ? request : json_node_new (JSON_NODE_NULL));
  g_ptr_array_add (self->auth, g_strdup (soup_message_headers_get_one (
                                           soup_server_message_get_request_headers (msg), "Authorization")));

  step = g_queue_pop_head (self->script);
  if (step == NULL)
    {
      step = g_new0 (Step, 1);
      step->kind = STEP_REPLY;
      step->status = self->fallback != NULL ? 200 : 500;
      step->body = g_strdup (self->fallback != NULL ? self->fallback
                                                    : "{\"error\":{\"code\":500,\"message\":\"script is empty\"}}");
    }

  if (self->delay_ms > 0 && step->kind == STEP_REPLY)
    {
      Delayed *delayed = g_new0 (Delayed, 1);

      delayed->self = g_object_ref (self);
      delayed->msg = g_object_ref (msg);
      delayed->step = step;
      soup_server_message_pause (msg);
      g_timeout_add (self->delay_ms, delayed_cb, delayed);
      return;
    }

  respond (self, msg, step);
  step_free (step);
}

static void
swarm_fake_llm_dispose (GObject *object)
{
  SwarmFakeLlm *self = SWARM_FAKE_LLM (object);

  for (GList *l = self->hanging; l != NULL; l = l->next)
    {
      g_signal_handlers_disconnect_by_data (l->data, self);
      soup_server_message_set_status (l->data, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
      soup_server_message_unpause (l->data);
      g_object_unref (l->data);
    }
  g_clear_pointer (&self->hanging, g_list_free);

  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);

  G_OBJECT_CLASS (swarm_fake_llm_parent_class)->dispose (object);
}

static void
swarm_fake_llm_finalize (GObject *object)
{
  SwarmFakeLlm *self = SWARM_FAKE_LLM (object);

  g_queue_free_full (self->script, (GDestroyNotify) step_free);
  g_ptr_array_unref (self->requests);
  g_ptr_array_unref (self->auth);
  g_free (self->fallback);
  g_free (self->url);

  G_OBJECT_CLASS (swarm_fake_llm_parent_class)->finalize (object);
}

static void
swarm_fake_llm_class_init (SwarmFakeLlmClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = swarm_fake_llm_dispose;
  object_class->finalize = swarm_fake_llm_finalize;
}

static void
swarm_fake_llm_init (SwarmFakeLlm *self)
{
  self->script = g_queue_new ();
  self->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  self->auth = g_ptr_array_new_with_free_func (g_free);
}

SwarmFakeLlm *
swarm_fake_llm_new (void)
{
  SwarmFakeLlm *self = g_object_new (SWARM_TYPE_FAKE_LLM, NULL);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  self->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (self->server, NULL, server_cb, self, NULL);
  if (!soup_server_listen_local (self->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("fake LLM: %s", error->message);

  uris = soup_server_get_uris (self->server);
  self->url = g_strdup_printf ("http://127.0.0.1:%d/v1", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  return self;
}

/**
 * swarm_fake_llm_get_url:
 *
 * Returns: the base URL, ending in /v1, as swarmyardd.conf wants it
 */
const char *
swarm_fake_llm_get_url (SwarmFakeLlm *self)
{
  return self->url;
}

/**
 * swarm_fake_llm_push_tool_call:
 * @cost: `usage.cost` in USD, or a negative number to leave it out
 */
void
swarm_fake_llm_push_tool_call (SwarmFakeLlm *self,
                               const char   *name,
                               const char   *arguments_json,
                               gint64        prompt_tokens,
                               gint64        completion_tokens,
                               double        cost)
{
  Step *step = g_new0 (Step, 1);

  step->kind = STEP_REPLY;
  step->status = 200;
  step->body = completion_body (self, NULL, name, arguments_json, prompt_tokens, completion_tokens, cost);
  g_queue_push_tail (self->script, step);
}

void
swarm_fake_llm_push_text (SwarmFakeLlm *self,
                          const char   *content,
                          gint64        prompt_tokens,
                          gint64        completion_tokens)
{
  Step *step = g_new0 (Step, 1);

  step->kind = STEP_REPLY;
  step->status = 200;
  step->body = completion_body (self, content, NULL, NULL, prompt_tokens, completion_tokens, -1);
  g_queue_push_tail (self->script, step);
}

void
swarm_fake_llm_push_raw (SwarmFakeLlm *self,
                         guint         status,
                         const char   *body,
                         const char   *retry_after)
{
  Step *step = g_new0 (Step, 1);

  step->kind = STEP_REPLY;
  step->status = status;
  step->body = g_strdup (body);
  step->retry_after = g_strdup (retry_after);
  g_queue_push_tail (self->script, step);
}

void
swarm_fake_llm_push_hang (SwarmFakeLlm *self)
{
  Step *step = g_new0 (Step, 1);

  step->kind = STEP_HANG;
  g_queue_push_tail (self->script, step);
}

/**
 * swarm_fake_llm_set_fallback_tool_call:
 *
 * The reply once the script is used up (for many agents at once).
 */
void
swarm_fake_llm_set_fallback_tool_call (SwarmFakeLlm *self,
                                       const char   *name,
                                       const char   *arguments_json,
                                       gint64        prompt_tokens,
                                       gint64        completion_tokens)
{
  g_free (self->fallback);
  self->fallback = completion_body (self, NULL, name, arguments_json, prompt_tokens, completion_tokens, -1);
}

void
swarm_fake_llm_set_delay_ms (SwarmFakeLlm *self,
                             guint         delay_ms)
{
  self->delay_ms = delay_ms;
}

guint
swarm_fake_llm_get_n_requests (SwarmFakeLlm *self)
{
  return self->requests->len;
}

JsonNode *
swarm_fake_llm_get_request (SwarmFakeLlm *self,
                            guint         index)
{
  return g_ptr_array_index (self->requests, index);
}

const char *
swarm_fake_llm_get_authorization (SwarmFakeLlm *self,
                                  guint         index)
{
  return g_ptr_array_index (self->auth, index);
}

guint
swarm_fake_llm_get_n_hanging (SwarmFakeLlm *self)
{
  return g_list_length (self->hanging);
}

/* A paused message is not watched by libsoup: look at its socket. */
static gboolean
peer_closed (SoupServerMessage *msg)
{
  GSocket *socket = soup_server_message_get_socket (msg);
  char byte;

  if (socket == NULL)
    return TRUE;

  return recv (g_socket_get_fd (socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

/**
 * swarm_fake_llm_get_n_cancelled:
 *
 * Returns: how many hung requests the client gave up on (closed)
 */
guint
swarm_fake_llm_get_n_cancelled (SwarmFakeLlm *self)
{
  guint n = self->cancelled;

  for (GList *l = self->hanging; l != NULL; l = l->next)
    if (peer_closed (l->data))
      n++;

  return n;
}
