/* swarm-fake-backend.c — an in-process backend that follows the REST contract
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarm-fake-backend"

#include "config.h"

#include <string.h>

#include "swarm-agent-private.h"
#include "swarm-fake-backend.h"

#define HUGE_SIZE   ((gsize) 100 * 1024 * 1024)
#define HUGE_CHUNK  ((gsize) 1024 * 1024)

typedef struct
{
  char  *method;   /* (nullable): any */
  char  *path;
  guint  status;
  char  *body;     /* (nullable) */
  char  *header_name;
  char  *header_value;
  guint  count;
} Override;

typedef struct
{
  SwarmFakeBackend  *self;
  SoupServerMessage *msg;
  gsize              sent;
  guint              source_id;
} Stream;

struct _SwarmFakeBackend
{
  GObject     parent_instance;

  SoupServer *server;
  guint       port;
  char       *url;
  char       *token;
  gboolean    seed_only;
  SwarmFakeMode mode;
  guint       list_delay_ms;
  gboolean    cache_list;
  GBytes     *list_cache;   /* (owned) (nullable) */

  GPtrArray  *agents;      /* (element-type SwarmAgent) */
  GHashTable *logs;        /* id → GPtrArray of SwarmLogEntry */
  GList      *overrides;   /* (element-type Override) */
  GPtrArray  *requests;    /* (element-type utf8) */
  char       *last_body;
  char       *last_authorization;
  GList      *streams;     /* (element-type Stream) */
  GList      *held;        /* (element-type SoupServerMessage): hung requests */
};

G_DEFINE_FINAL_TYPE (SwarmFakeBackend, swarm_fake_backend, G_TYPE_OBJECT)

static void
override_free (Override *o)
{
  g_free (o->method);
  g_free (o->path);
  g_free (o->body);
  g_free (o->header_name);
  g_free (o->header_value);
  g_free (o);
}

static void
stream_stop (Stream *stream)
{
  g_clear_handle_id (&stream->source_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (stream->msg, stream);
  g_clear_object (&stream->msg);
  g_free (stream);
}

static void
release_held (SwarmFakeBackend *self)
{
  for (GList *l = self->held; l != NULL; l = l->next)
    {
      soup_server_message_set_status (l->data, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
      soup_server_message_unpause (l->data);
      g_object_unref (l->data);
    }
  g_clear_pointer (&self->held, g_list_free);

  g_list_free_full (g_steal_pointer (&self->streams), (GDestroyNotify) stream_stop);
}

static void
swarm_fake_backend_dispose (GObject *object)
{
  SwarmFakeBackend *self = SWARM_FAKE_BACKEND (object);

  release_held (self);
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);

  G_OBJECT_CLASS (swarm_fake_backend_parent_class)->dispose (object);
}

static void
swarm_fake_backend_finalize (GObject *object)
{
  SwarmFakeBackend *self = SWARM_FAKE_BACKEND (object);

  g_free (self->url);
  g_free (self->token);
  g_clear_pointer (&self->list_cache, g_bytes_unref);
  g_ptr_array_unref (self->agents);
  g_hash_table_unref (self->logs);
  g_list_free_full (self->overrides, (GDestroyNotify) override_free);
  g_ptr_array_unref (self->requests);
  g_free (self->last_body);
  g_free (self->last_authorization);

  G_OBJECT_CLASS (swarm_fake_backend_parent_class)->finalize (object);
}

static void
swarm_fake_backend_class_init (SwarmFakeBackendClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = swarm_fake_backend_dispose;
  object_class->finalize = swarm_fake_backend_finalize;
}

static void
swarm_fake_backend_init (SwarmFakeBackend *self)
{
  self->agents = g_ptr_array_new_with_free_func (g_object_unref);
  self->logs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) g_ptr_array_unref);
  self->requests = g_ptr_array_new_with_free_func (g_free);
}

/* Responses ----------------------------------------------------------- */

static void
add_cors (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (headers, "Access-Control-Allow-Origin", "*");
  soup_message_headers_replace (headers, "Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
  soup_message_headers_replace (headers, "Access-Control-Allow-Headers", "content-type, authorization");
}

static void
respond_json (SoupServerMessage *msg,
              guint              status,
              const char        *body,
              gsize              length)
{
  soup_server_message_set_status (msg, status, NULL);
  if (body != NULL)
    soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body, length);
}

static void
respond_node (SoupServerMessage *msg,
              guint              status,
              JsonNode          *node)
{
  gsize length = 0;
  g_autofree char *data = swarm_json_node_to_data (node, &length);

  respond_json (msg, status, data, length);
}

static void
respond_error (SoupServerMessage *msg,
               guint              status,
               const char        *code,
               const char        *message,
               const char        *field)
{
  g_autoptr(JsonNode) root = swarm_json_error_body (code, message, field);

  respond_node (msg, status, root);
}

static SwarmAgent *
find_agent (SwarmFakeBackend *self,
            const char       *id,
            guint            *index)
{
  for (guint i = 0; i < self->agents->len; i++)
    {
      SwarmAgent *agent = g_ptr_array_index (self->agents, i);

      if (g_strcmp0 (agent->id, id) == 0)
        {
          if (index != NULL)
            *index = i;
          return agent;
        }
    }

  return NULL;
}

/* Misbehaving ---------------------------------------------------------- */

static gboolean
trickle_cb (gpointer user_data)
{
  Stream *stream = user_data;

  soup_message_body_append (soup_server_message_get_response_body (stream->msg),
                            SOUP_MEMORY_STATIC, " ", 1);
  soup_server_message_unpause (stream->msg);
  return G_SOURCE_CONTINUE;
}

static void
on_huge_wrote_chunk_cb (SoupServerMessage *msg,
                        gpointer           user_data)
{
  Stream *stream = user_data;
  SoupMessageBody *body = soup_server_message_get_response_body (msg);

  if (stream->sent >= HUGE_SIZE)
    {
      soup_message_body_complete (body);
      return;
    }

  soup_message_body_append_bytes (body, g_bytes_new_take (g_malloc0 (HUGE_CHUNK), HUGE_CHUNK));
  stream->sent += HUGE_CHUNK;
}

static void
on_stream_finished_cb (SoupServerMessage *msg,
                       gpointer           user_data)
{
  Stream *stream = user_data;
  SwarmFakeBackend *self = stream->self;

  self->streams = g_list_remove (self->streams, stream);
  stream_stop (stream);
}

static Stream *
start_stream (SwarmFakeBackend  *self,
              SoupServerMessage *msg)
{
  Stream *stream = g_new0 (Stream, 1);

  stream->self = self;
  stream->msg = g_object_ref (msg);
  self->streams = g_list_prepend (self->streams, stream);
  g_signal_connect (msg, "finished", G_CALLBACK (on_stream_finished_cb), stream);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_content_type (soup_server_message_get_response_headers (msg),
                                         "application/json", NULL);
  return stream;
}

static gboolean
misbehave (SwarmFakeBackend  *self,
           SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  Stream *stream;

  switch (self->mode)
    {
    case SWARM_FAKE_MODE_NORMAL:
      return FALSE;

    case SWARM_FAKE_MODE_HANG:
      soup_server_message_pause (msg);
      self->held = g_list_prepend (self->held, g_object_ref (msg));
      return TRUE;

    case SWARM_FAKE_MODE_TRICKLE:
      stream = start_stream (self, msg);
      soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
      soup_message_body_append (soup_server_message_get_response_body (msg),
                                SOUP_MEMORY_STATIC, "{", 1);
      stream->source_id = g_timeout_add_seconds (1, trickle_cb, stream);
      return TRUE;

    case SWARM_FAKE_MODE_HUGE_CHUNKED:
    case SWARM_FAKE_MODE_HUGE_DECLARED:
      stream = start_stream (self, msg);
      if (self->mode == SWARM_FAKE_MODE_HUGE_CHUNKED)
        soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
      else
        soup_message_headers_set_content_length (headers, HUGE_SIZE);
      g_signal_connect (msg, "wrote-chunk", G_CALLBACK (on_huge_wrote_chunk_cb), stream);
      on_huge_wrote_chunk_cb (msg, stream);
      return TRUE;

    default:
      g_assert_not_reached ();
    }
}

static gboolean
apply_override (SwarmFakeBackend  *self,
                SoupServerMessage *msg,
                const char        *method,
                const char        *path)
{
  for (GList *l = self->overrides; l != NULL; l = l->next)
    {
      Override *o = l->data;

      if (o->count == 0 || strcmp (o->path, path) != 0 ||
          (o->method != NULL && strcmp (o->method, method) != 0))
        continue;

      if (o->count != G_MAXUINT)
        o->count--;

      soup_server_message_set_status (msg, o->status, NULL);
      if (o->header_name != NULL)
        soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                      o->header_name, o->header_value);
      if (o->body != NULL)
        soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                          o->body, strlen (o->body));
      return TRUE;
    }

  return FALSE;
}

/* Routes --------------------------------------------------------------- */

static void
handle_list (SwarmFakeBackend  *self,
             SoupServerMessage *msg)
{
  gsize length = 0;
  char *data;

  if (self->cache_list)
    {
      swarm_fake_backend_warm_list (self);
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_message_headers_set_content_type (soup_server_message_get_response_headers (msg),
                                             "application/json", NULL);
      soup_message_body_append_bytes (soup_server_message_get_response_body (msg), self->list_cache);
      return;
    }

  data = swarm_json_agent_list_to_data (self->agents, &length);
  respond_json (msg, SOUP_STATUS_OK, data, length);
  g_free (data);
}

typedef struct
{
  SwarmFakeBackend  *self;
  SoupServerMessage *msg;
} Delayed;

static gboolean
delayed_list_cb (gpointer user_data)
{
  Delayed *delayed = user_data;
  GList *link = g_list_find (delayed->self->held, delayed->msg);

  /* Not held any more: the backend was stopped meanwhile. */
  if (link != NULL)
    {
      delayed->self->held = g_list_delete_link (delayed->self->held, link);
      handle_list (delayed->self, delayed->msg);
      soup_server_message_unpause (delayed->msg);
      g_object_unref (delayed->msg);
    }

  g_object_unref (delayed->msg);
  g_object_unref (delayed->self);
  g_free (delayed);

  return G_SOURCE_REMOVE;
}

static void
handle_deploy (SwarmFakeBackend  *self,
               SoupServerMessage *msg)
{
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SwarmDeployRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *id = NULL;
  g_autofree char *sandbox = NULL;
  SwarmAgent *agent;

  g_free (self->last_body);
  self->last_body = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  swarm_fake_backend_invalidate_list (self);

  root = swarm_json_parse_bytes (body, &error);
  if (root == NULL)
    {
      respond_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_json", error->message, NULL);
      return;
    }

  request = swarm_deploy_request_from_node (root, &error);
  if (request == NULL)
    {
      const char *field = g_error_matches (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_INVALID_JSON)
        ? NULL : swarm_deploy_error_get_field (error->code);

      respond_error (msg, SOUP_STATUS_BAD_REQUEST, field ? "invalid_field" : "invalid_json",
                     error->message, field);
      return;
    }

  for (guint i = 0; i < self->agents->len; i++)
    {
      SwarmAgent *other = g_ptr_array_index (self->agents, i);

      if (g_strcmp0 (other->name, request->name) == 0)
        {
          g_autofree char *message = g_strdup_printf ("An agent named “%s” already exists.", request->name);

          respond_error (msg, SOUP_STATUS_CONFLICT, "name_taken", message, "agent_name");
          return;
        }
    }

  id = g_uuid_string_random ();
  sandbox = g_strdup_printf ("fake-%.12s", id + 24);
  agent = swarm_fake_backend_add_agent (self, id, request->name, SWARM_AGENT_STATUS_PENDING);
  swarm_set_str (&agent->agent_type, request->agent_type);
  swarm_set_str (&agent->task_description, request->task_description);
  swarm_set_str (&agent->template_id, request->template_id);
  swarm_set_str (&agent->sandbox_id, sandbox);
  agent->capabilities = g_strdupv (request->capabilities);
  agent->config_timeout = request->timeout;
  agent->config_model = g_strdup (request->model);
  agent->config_max_steps = request->max_steps;
  agent->config_max_cost_usd = request->max_cost_usd;
  g_ptr_array_add (request->env_keys, NULL);
  agent->environment_keys = g_strdupv ((char **) request->env_keys->pdata);
  g_ptr_array_remove_index (request->env_keys, request->env_keys->len - 1);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "agent_id");
  json_builder_add_string_value (builder, id);
  json_builder_set_member_name (builder, "sandbox_id");
  json_builder_add_string_value (builder, sandbox);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, "pending");
  json_builder_end_object (builder);
  reply = json_builder_get_root (builder);

  respond_node (msg, SOUP_STATUS_CREATED, reply);
}

static void
handle_agent (SwarmFakeBackend  *self,
              SoupServerMessage *msg,
              const char        *method,
              const char        *id,
              GHashTable        *query)
{
  guint index = 0;
  SwarmAgent *agent = find_agent (self, id, &index);

  if (agent == NULL)
    {
      respond_error (msg, SOUP_STATUS_NOT_FOUND, "not_found", "There is no agent with this id.", NULL);
      return;
    }

  if (strcmp (method, "GET") == 0)
    {
      g_autoptr(JsonNode) node = swarm_json_agent_to_node (agent, FALSE);

      respond_node (msg, SOUP_STATUS_OK, node);
    }
  else if (strcmp (method, "DELETE") == 0)
    {
      const char *terminate = query != NULL ? g_hash_table_lookup (query, "terminate_only") : NULL;

      swarm_fake_backend_invalidate_list (self);

      if (g_strcmp0 (terminate, "true") == 0)
        {
          g_autoptr(JsonNode) node = NULL;

          if (!swarm_agent_is_active (agent))
            {
              respond_error (msg, SOUP_STATUS_CONFLICT, "already_ended",
                             "The agent has already ended.", NULL);
              return;
            }

          agent->status = SWARM_AGENT_STATUS_FAILED;
          swarm_set_str (&agent->error_message, "terminated by user");
          g_clear_pointer (&agent->completed_at, g_date_time_unref);
          agent->completed_at = g_date_time_new_now_utc ();
          node = swarm_json_agent_to_node (agent, FALSE);
          respond_node (msg, SOUP_STATUS_OK, node);
        }
      else
        {
          g_hash_table_remove (self->logs, id);
          g_ptr_array_remove_index (self->agents, index);
          soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
        }
    }
  else
    {
      respond_error (msg, SOUP_STATUS_NOT_FOUND, "no_route", "There is no such endpoint.", NULL);
    }
}

static void
handle_logs (SwarmFakeBackend  *self,
             SoupServerMessage *msg,
             const char        *id,
             GHashTable        *query)
{
  GPtrArray *entries = g_hash_table_lookup (self->logs, id);
  const char *after_s = query ? g_hash_table_lookup (query, "after") : NULL;
  const char *limit_s = query ? g_hash_table_lookup (query, "limit") : NULL;
  const char *tail_s = query ? g_hash_table_lookup (query, "tail") : NULL;
  gint64 after = after_s ? g_ascii_strtoll (after_s, NULL, 10) : 0;
  guint limit = limit_s ? (guint) g_ascii_strtoull (limit_s, NULL, 10) : 200;
  guint first = 0, last;
  gint64 next = after;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  if (find_agent (self, id, NULL) == NULL)
    {
      respond_error (msg, SOUP_STATUS_NOT_FOUND, "not_found", "There is no agent with this id.", NULL);
      return;
    }

  last = entries != NULL ? entries->len : 0;
  if (tail_s != NULL)
    {
      guint tail = (guint) g_ascii_strtoull (tail_s, NULL, 10);

      first = last > tail ? last - tail : 0;
      next = 0;
    }
  else
    {
      while (first < last && ((SwarmLogEntry *) g_ptr_array_index (entries, first))->seq <= after)
        first++;
      last = MIN (last, first + MIN (limit, 1000));
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "entries");
  json_builder_begin_array (builder);
  for (guint i = first; i < last; i++)
    {
      SwarmLogEntry *entry = g_ptr_array_index (entries, i);
      g_autofree char *time = swarm_json_format_time (entry->time);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "seq");
      json_builder_add_int_value (builder, entry->seq);
      json_builder_set_member_name (builder, "time");
      json_builder_add_string_value (builder, time);
      json_builder_set_member_name (builder, "kind");
      json_builder_add_string_value (builder, swarm_log_kind_to_string (entry->kind));
      json_builder_set_member_name (builder, "text");
      json_builder_add_string_value (builder, entry->text);
      json_builder_end_object (builder);
      next = entry->seq;
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "next");
  json_builder_add_int_value (builder, next);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  respond_node (msg, SOUP_STATUS_OK, root);
}

static void
handle_health (SwarmFakeBackend  *self,
               SoupServerMessage *msg,
               gboolean           authorized)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, "swarmyard-fake-backend");
  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, PACKAGE_VERSION);
  json_builder_set_member_name (builder, "api_version");
  json_builder_add_int_value (builder, 1);
  if (authorized)
    {
      json_builder_set_member_name (builder, "status");
      json_builder_add_string_value (builder, "ok");
      json_builder_set_member_name (builder, "drivers");
      json_builder_begin_array (builder);
      json_builder_add_string_value (builder, "fake");
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "llm");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "configured");
      json_builder_add_boolean_value (builder, TRUE);
      json_builder_set_member_name (builder, "model");
      json_builder_add_string_value (builder, "fake/model");
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  respond_node (msg, SOUP_STATUS_OK, root);
}

static void
server_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  SwarmFakeBackend *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  const char *query_string = g_uri_get_query (soup_server_message_get_uri (msg));
  const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                   "Authorization");
  g_autofree char *expected = self->token ? g_strconcat ("Bearer ", self->token, NULL) : NULL;
  gboolean authorized = expected == NULL || g_strcmp0 (auth, expected) == 0;

  g_ptr_array_add (self->requests, g_strdup_printf ("%s %s%s%s", method, path,
                                                    query_string ? "?" : "",
                                                    query_string ? query_string : ""));
  g_free (self->last_authorization);
  self->last_authorization = g_strdup (auth);

  add_cors (msg);

  if (strcmp (method, "OPTIONS") == 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
      return;
    }

  if (apply_override (self, msg, method, path) || misbehave (self, msg))
    return;

  if (strcmp (path, "/api/health") == 0 && strcmp (method, "GET") == 0 && !self->seed_only)
    {
      handle_health (self, msg, authorized && auth != NULL);
      return;
    }

  if (!authorized)
    {
      respond_error (msg, SOUP_STATUS_UNAUTHORIZED, "unauthorized",
                     "The access token is missing or wrong.", NULL);
      return;
    }

  if (strcmp (path, "/api/agents") == 0 && strcmp (method, "GET") == 0)
    {
      if (self->list_delay_ms > 0)
        {
          Delayed *delayed = g_new0 (Delayed, 1);

          delayed->self = g_object_ref (self);
          delayed->msg = g_object_ref (msg);
          soup_server_message_pause (msg);
          self->held = g_list_prepend (self->held, g_object_ref (msg));
          g_timeout_add (self->list_delay_ms, delayed_list_cb, delayed);
          return;
        }
      handle_list (self, msg);
      return;
    }

  if (strcmp (path, "/api/agents/deploy") == 0 && strcmp (method, "POST") == 0)
    {
      handle_deploy (self, msg);
      return;
    }

  if (g_str_has_prefix (path, "/api/agents/"))
    {
      /* libsoup hands over the path decoded. */
      g_auto(GStrv) parts = g_strsplit (path + strlen ("/api/agents/"), "/", -1);
      guint n = g_strv_length (parts);

      if (n == 1 && *parts[0] != '\0')
        {
          handle_agent (self, msg, method, parts[0], query);
          return;
        }

      if (n == 2 && strcmp (parts[1], "logs") == 0 && strcmp (method, "GET") == 0)
        {
          if (self->seed_only)
            {
              soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
              return;
            }
          handle_logs (self, msg, parts[0], query);
          return;
        }
    }

  if (self->seed_only)
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
  else
    respond_error (msg, SOUP_STATUS_NOT_FOUND, "no_route", "There is no such endpoint.", NULL);
}

/* Public API ---------------------------------------------------------- */

static gboolean
listen (SwarmFakeBackend  *self,
        GError           **error)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, self->port);
  GSList *uris;

  if (!soup_server_listen (self->server, address,
                           soup_server_get_tls_certificate (self->server) != NULL ? SOUP_SERVER_LISTEN_HTTPS : 0,
                           error))
    return FALSE;

  uris = soup_server_get_uris (self->server);
  self->port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  return TRUE;
}

/**
 * swarm_fake_backend_new_tls:
 * @port: the loopback port to listen on, or 0 for any
 * @certificate: (nullable): with one, the backend speaks HTTPS
 */
SwarmFakeBackend *
swarm_fake_backend_new_tls (guint            port,
                            GTlsCertificate *certificate)
{
  SwarmFakeBackend *self = g_object_new (SWARM_TYPE_FAKE_BACKEND, NULL);
  g_autoptr(GError) error = NULL;

  self->server = soup_server_new ("server-header", "swarmyard-fake ",
                                  "tls-certificate", certificate, NULL);
  soup_server_add_handler (self->server, NULL, server_cb, self, NULL);
  self->port = port;

  if (!listen (self, &error))
    g_error ("Cannot listen on 127.0.0.1:%u: %s", port, error->message);

  self->url = g_strdup_printf ("%s://127.0.0.1:%u", certificate != NULL ? "https" : "http", self->port);
  return self;
}

/**
 * swarm_fake_backend_new:
 * @port: the loopback port to listen on, or 0 for any
 */
SwarmFakeBackend *
swarm_fake_backend_new (guint port)
{
  return swarm_fake_backend_new_tls (port, NULL);
}

const char *
swarm_fake_backend_get_url (SwarmFakeBackend *self)
{
  return self->url;
}

/**
 * swarm_fake_backend_stop:
 *
 * Stops listening and drops every connection, like a backend that died.
 */
void
swarm_fake_backend_stop (SwarmFakeBackend *self)
{
  release_held (self);
  soup_server_disconnect (self->server);
}

/**
 * swarm_fake_backend_restart:
 *
 * Listens again on the same port, like a backend that came back.
 */
gboolean
swarm_fake_backend_restart (SwarmFakeBackend *self)
{
  g_autoptr(GError) error = NULL;

  if (!listen (self, &error))
    {
      g_test_message ("restart failed: %s", error->message);
      return FALSE;
    }

  return TRUE;
}

void
swarm_fake_backend_set_token (SwarmFakeBackend *self,
                              const char       *token)
{
  swarm_set_str (&self->token, token);
}

void
swarm_fake_backend_set_seed_only (SwarmFakeBackend *self,
                                  gboolean          seed_only)
{
  self->seed_only = seed_only;
}

void
swarm_fake_backend_set_mode (SwarmFakeBackend *self,
                             SwarmFakeMode     mode)
{
  self->mode = mode;
}

/**
 * swarm_fake_backend_set_cache_list:
 *
 * Serialises the list once and serves the same bytes until
 * swarm_fake_backend_invalidate_list(), like swarmyardd, so a benchmark
 * measures the app rather than this server.
 */
void
swarm_fake_backend_set_cache_list (SwarmFakeBackend *self,
                                   gboolean          cache)
{
  self->cache_list = cache;
  g_clear_pointer (&self->list_cache, g_bytes_unref);
}

/* Called before a change as well as after: the list is built again only
 * when asked for, or by swarm_fake_backend_warm_list(). */
void
swarm_fake_backend_invalidate_list (SwarmFakeBackend *self)
{
  g_clear_pointer (&self->list_cache, g_bytes_unref);
}

/**
 * swarm_fake_backend_warm_list:
 *
 * With the cache on, serialises the list now rather than at the next
 * request: swarmyardd keeps every agent's JSON ready, so a benchmark's
 * request should not wait for this server to write 10,000 agents.
 */
void
swarm_fake_backend_warm_list (SwarmFakeBackend *self)
{
  gsize length = 0;
  char *data;

  if (!self->cache_list || self->list_cache != NULL)
    return;

  data = swarm_json_agent_list_to_data (self->agents, &length);
  self->list_cache = g_bytes_new_take (data, length);
}

void
swarm_fake_backend_set_list_delay_ms (SwarmFakeBackend *self,
                                      guint             delay_ms)
{
  self->list_delay_ms = delay_ms;
}

/**
 * swarm_fake_backend_add_agent:
 *
 * Returns: (transfer none): the new agent, whose fields a test may change
 *   through swarm-agent-private.h
 */
SwarmAgent *
swarm_fake_backend_add_agent (SwarmFakeBackend *self,
                              const char       *id,
                              const char       *name,
                              SwarmAgentStatus  status)
{
  SwarmAgent *agent = swarm_agent_new (id);

  swarm_set_str (&agent->name, name);
  swarm_set_str (&agent->agent_type, "researcher");
  swarm_set_str (&agent->template_id, "base");
  agent->status = status;
  agent->created_at = g_date_time_new_now_utc ();
  agent->config_timeout = 3600;
  if (status != SWARM_AGENT_STATUS_PENDING)
    agent->started_at = g_date_time_ref (agent->created_at);

  g_ptr_array_add (self->agents, agent);
  swarm_fake_backend_invalidate_list (self);
  return agent;
}

SwarmAgent *
swarm_fake_backend_lookup (SwarmFakeBackend *self,
                           const char       *id)
{
  return find_agent (self, id, NULL);
}

guint
swarm_fake_backend_get_n_agents (SwarmFakeBackend *self)
{
  return self->agents->len;
}

/**
 * swarm_fake_backend_get_agents:
 *
 * Returns: (transfer none) (element-type SwarmAgent): the served agents
 */
GPtrArray *
swarm_fake_backend_get_agents (SwarmFakeBackend *self)
{
  return self->agents;
}

/**
 * swarm_fake_backend_add_sample_agents:
 * @n: how many
 * @seed: the seed of the pseudo-random numbers, so runs are repeatable
 *
 * Adds agents that look like a busy day: every type and status, real-looking
 * tasks, tokens and costs, creation times spread over the last hours.
 */
void
swarm_fake_backend_add_sample_agents (SwarmFakeBackend *self,
                                      guint             n,
                                      guint             seed)
{
  static const char * const types[] = { "researcher", "coder", "analyst", "tester" };
  static const char * const roles[] = { "api", "docs", "auth", "billing", "search", "ui", "data", "perf" };
  static const char * const templates[] = { "base", "nodejs", "python", "react" };
  static const char * const tasks[] = {
    "Analyze REST API endpoints for authentication patterns",
    "Write unit tests for the payment module and report coverage",
    "Summarise last week's error logs and group them by cause",
    "Port the CSV importer to streaming parsing",
    "Benchmark the search index with 1M documents",
    "Review the OpenAPI spec for breaking changes since v2",
    "Find unused dependencies in package.json",
    "Draft release notes from the merged pull requests",
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("%08x-%04x-4%03x-8%03x-%012x", g_rand_int (rand),
                                             g_rand_int (rand) & 0xffff, i & 0xfff,
                                             g_rand_int (rand) & 0xfff, i);
      const char *type = types[g_rand_int_range (rand, 0, G_N_ELEMENTS (types))];
      g_autofree char *name = g_strdup_printf ("%s-%s-%02u", roles[g_rand_int_range (rand, 0, G_N_ELEMENTS (roles))],
                                               type, i + 1);
      int roll = g_rand_int_range (rand, 0, 100);
      SwarmAgentStatus status = roll < 10 ? SWARM_AGENT_STATUS_PENDING
                              : roll < 40 ? SWARM_AGENT_STATUS_RUNNING
                              : roll < 85 ? SWARM_AGENT_STATUS_COMPLETED
                              : SWARM_AGENT_STATUS_FAILED;
      SwarmAgent *agent = swarm_fake_backend_add_agent (self, id, name, status);
      gint64 age_s = (gint64) (n - i) * 37 + g_rand_int_range (rand, 0, 30);

      swarm_set_str (&agent->agent_type, type);
      swarm_set_str (&agent->task_description, tasks[g_rand_int_range (rand, 0, G_N_ELEMENTS (tasks))]);
      swarm_set_str (&agent->template_id, templates[g_rand_int_range (rand, 0, G_N_ELEMENTS (templates))]);
      g_clear_pointer (&agent->created_at, g_date_time_unref);
      agent->created_at = g_date_time_add_seconds (now, -(double) age_s);
      g_clear_pointer (&agent->started_at, g_date_time_unref);

      if (status != SWARM_AGENT_STATUS_PENDING)
        {
          g_autofree char *sandbox = g_strdup_printf ("i%08x%012x", g_rand_int (rand), i);

          swarm_set_str (&agent->sandbox_id, sandbox);
          agent->started_at = g_date_time_add_seconds (agent->created_at, 2);
          agent->tokens_used = g_rand_int_range (rand, 800, 60000);
          agent->cost_usd = agent->tokens_used * 0.0000025;
          agent->steps = g_rand_int_range (rand, 1, 30);
          agent->model = g_strdup ("openai/gpt-4o-mini");
        }

      if (status == SWARM_AGENT_STATUS_COMPLETED || status == SWARM_AGENT_STATUS_FAILED)
        {
          agent->execution_time_ms = g_rand_int_range (rand, 4000, 900000);
          agent->completed_at = g_date_time_add_seconds (agent->started_at,
                                                         agent->execution_time_ms / 1000.0);
          if (status == SWARM_AGENT_STATUS_COMPLETED)
            agent->result = g_strdup ("Done. See the report in the workspace.");
          else
            agent->error_message = g_strdup ("max_steps reached (30)");
        }
    }
}

void
swarm_fake_backend_add_log (SwarmFakeBackend *self,
                            const char       *id,
                            SwarmLogKind      kind,
                            const char       *text)
{
  GPtrArray *entries = g_hash_table_lookup (self->logs, id);
  SwarmLogEntry *entry = g_new0 (SwarmLogEntry, 1);

  if (entries == NULL)
    {
      entries = g_ptr_array_new_with_free_func ((GDestroyNotify) swarm_log_entry_free);
      g_hash_table_insert (self->logs, g_strdup (id), entries);
    }

  entry->seq = entries->len + 1;
  entry->time = g_date_time_new_now_utc ();
  entry->kind = kind;
  entry->text = g_strdup (text);
  g_ptr_array_add (entries, entry);
}

/**
 * swarm_fake_backend_override:
 * @method: (nullable): the method to match, or %NULL for any
 * @path: the exact path to match
 * @count: how many requests to answer so, or %G_MAXUINT for all
 *
 * Answers matching requests with @status and @body as given, before any
 * route (and before the token check).
 */
void
swarm_fake_backend_override (SwarmFakeBackend *self,
                             const char       *method,
                             const char       *path,
                             guint             status,
                             const char       *body,
                             const char       *header_name,
                             const char       *header_value,
                             guint             count)
{
  Override *o = g_new0 (Override, 1);

  o->method = g_strdup (method);
  o->path = g_strdup (path);
  o->status = status;
  o->body = g_strdup (body);
  o->header_name = g_strdup (header_name);
  o->header_value = g_strdup (header_value);
  o->count = count;

  self->overrides = g_list_prepend (self->overrides, o);
}

/**
 * swarm_fake_backend_fail:
 *
 * Like swarm_fake_backend_override() with the contract's error body.
 */
void
swarm_fake_backend_fail (SwarmFakeBackend *self,
                         const char       *method,
                         const char       *path,
                         guint             status,
                         const char       *code,
                         const char       *message,
                         const char       *field,
                         guint             count)
{
  g_autoptr(JsonNode) root = swarm_json_error_body (code, message, field);
  g_autofree char *body = swarm_json_node_to_data (root, NULL);

  swarm_fake_backend_override (self, method, path, status, body, NULL, NULL, count);
}

void
swarm_fake_backend_clear_overrides (SwarmFakeBackend *self)
{
  g_list_free_full (g_steal_pointer (&self->overrides), (GDestroyNotify) override_free);
}

/**
 * swarm_fake_backend_get_requests:
 *
 * Returns: (transfer none) (element-type utf8): “METHOD /path?query” of
 *   every request so far
 */
GPtrArray *
swarm_fake_backend_get_requests (SwarmFakeBackend *self)
{
  return self->requests;
}

guint
swarm_fake_backend_count_requests (SwarmFakeBackend *self,
                                   const char       *prefix)
{
  guint n = 0;

  for (guint i = 0; i < self->requests->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (self->requests, i), prefix))
      n++;

  return n;
}

const char *
swarm_fake_backend_get_last_body (SwarmFakeBackend *self)
{
  return self->last_body;
}

const char *
swarm_fake_backend_get_last_authorization (SwarmFakeBackend *self)
{
  return self->last_authorization;
}
