/* swarmd-server.c — the REST API over HTTP(S)
 *
 * The contract's routes, statuses, bodies and error codes
 * (docs/architecture.md).  Every route needs the bearer token except CORS
 * preflights and a bare GET /api/health.  Bodies over 1 MiB are refused
 * with 413 as soon as the headers say so, before the body is read.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarmd-server"

#include "config.h"

#include <string.h>

#include "swarmd-server.h"

struct _SwarmdServer
{
  GObject       parent_instance;

  SwarmdDaemon *daemon;    /* (owned) */
  SoupServer   *server;    /* (owned) */
  gboolean      tls;
};

G_DEFINE_FINAL_TYPE (SwarmdServer, swarmd_server, G_TYPE_OBJECT)

/* Responses ------------------------------------------------------------------ */

static void
add_cors (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (headers, "Access-Control-Allow-Origin", "*");
  soup_message_headers_replace (headers, "Access-Control-Allow-Methods",
                                "GET, POST, DELETE, OPTIONS");
  soup_message_headers_replace (headers, "Access-Control-Allow-Headers",
                                "content-type, authorization");
  soup_message_headers_replace (headers, "Access-Control-Max-Age", "600");
}

static void
respond_bytes (SoupServerMessage *msg,
               guint              status,
               GBytes            *body)
{
  /* No copy: the body shares the bytes, which may be 10 MB of agents. */
  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_set_content_type (soup_server_message_get_response_headers (msg),
                                         "application/json", NULL);
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), body);
}

static void
respond_node (SoupServerMessage *msg,
              guint              status,
              JsonNode          *node)
{
  gsize length = 0;
  char *data = swarm_json_node_to_data (node, &length);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, data, length);
}

static void
respond_error (SoupServerMessage *msg,
               SwarmdApiError     code,
               const char        *message,
               const char        *field)
{
  g_autoptr(JsonNode) root = swarm_json_error_body (swarmd_api_error_code (code), message, field);

  respond_node (msg, swarmd_api_error_status (code), root);
}

static void
respond_gerror (SoupServerMessage *msg,
                const GError      *error)
{
  const char *field = NULL;

  if (error->domain != SWARMD_API_ERROR)
    {
      respond_error (msg, SWARMD_API_ERROR_INTERNAL, error->message, NULL);
      return;
    }

  if (error->code == SWARMD_API_ERROR_NAME_TAKEN)
    field = "agent_name";
  else if (error->code == SWARMD_API_ERROR_TEMPLATE_UNAVAILABLE)
    field = "template";

  respond_error (msg, error->code, error->message, field);
}

static void
respond_agent (SoupServerMessage *msg,
               guint              status,
               SwarmAgent        *agent)
{
  g_autoptr(JsonNode) node = swarm_json_agent_to_node (agent, FALSE);

  respond_node (msg, status, node);
}

/* Auth -------------------------------------------------------------------------- */

static const char *
bearer_token (SoupServerMessage *msg)
{
  const char *header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Authorization");

  if (header == NULL || g_ascii_strncasecmp (header, "Bearer ", 7) != 0)
    return NULL;

  return header + 7;
}

static gboolean
has_authorization (SoupServerMessage *msg)
{
  return soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                       "Authorization") != NULL;
}

/* Routes ---------------------------------------------------------------------------- */

static gboolean
parse_uint (GHashTable *query,
            const char *name,
            guint64     min,
            guint64     max,
            guint64    *out,
            GError    **error)
{
  const char *value = query != NULL ? g_hash_table_lookup (query, name) : NULL;

  if (value == NULL)
    return TRUE;

  if (!g_ascii_string_to_unsigned (value, 10, min, max, out, NULL))
    {
      g_set_error (error, SWARMD_API_ERROR, SWARMD_API_ERROR_INVALID_FIELD,
                   "“%s” must be a whole number between %" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT ".",
                   name, min, max);
      return FALSE;
    }

  return TRUE;
}

static void
handle_logs (SwarmdServer      *self,
             SoupServerMessage *msg,
             const char        *agent_id,
             GHashTable        *query)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SwarmLogPage) page = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  guint64 after = 0, limit = 200, tail = 0;

  if (!parse_uint (query, "after", 0, G_MAXINT64, &after, &error) ||
      !parse_uint (query, "limit", 1, 1000, &limit, &error) ||
      !parse_uint (query, "tail", 1, 1000, &tail, &error))
    {
      const char *field = strstr (error->message, "“after”") ? "after"
                        : strstr (error->message, "“limit”") ? "limit" : "tail";
      respond_error (msg, SWARMD_API_ERROR_INVALID_FIELD, error->message, field);
      return;
    }

  page = swarmd_daemon_get_logs (self->daemon, agent_id, (gint64) after, (guint) limit,
                                 (guint) tail, &error);
  if (page == NULL)
    {
      respond_gerror (msg, error);
      return;
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "entries");
  json_builder_begin_array (builder);
  for (guint i = 0; i < page->entries->len; i++)
    {
      SwarmLogEntry *entry = g_ptr_array_index (page->entries, i);
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
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "next");
  json_builder_add_int_value (builder, page->next);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  respond_node (msg, SOUP_STATUS_OK, root);
}

typedef struct
{
  SwarmdServer       *self;      /* (owned) */
  SoupServerMessage  *msg;       /* (owned) */
  SwarmDeployRequest *request;   /* (owned) (nullable): for a deploy */
  gboolean            authorized;
} DeployCall;

static void
deploy_call_free (DeployCall *call)
{
  g_object_unref (call->self);
  g_object_unref (call->msg);
  g_clear_pointer (&call->request, swarm_deploy_request_free);
  g_free (call);
}

static void finish_deploy (SwarmdServer       *self,
                           SoupServerMessage  *msg,
                           SwarmDeployRequest *request);

static void
deploy_key_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  DeployCall *call = user_data;

  swarmd_daemon_update_key_finish (SWARMD_DAEMON (object), result, NULL);
  finish_deploy (call->self, call->msg, call->request);
  soup_server_message_unpause (call->msg);
  deploy_call_free (call);
}

static void
health_key_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  DeployCall *call = user_data;
  g_autoptr(JsonNode) health = NULL;

  swarmd_daemon_update_key_finish (SWARMD_DAEMON (object), result, NULL);
  health = swarmd_daemon_health (call->self->daemon, call->authorized);
  respond_node (call->msg, SOUP_STATUS_OK, health);
  soup_server_message_unpause (call->msg);
  deploy_call_free (call);
}

static void
handle_deploy (SwarmdServer      *self,
               SoupServerMessage *msg)
{
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SwarmDeployRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  DeployCall *call;

  if (g_bytes_get_size (body) > SWARMD_MAX_BODY)
    {
      respond_error (msg, SWARMD_API_ERROR_PAYLOAD_TOO_LARGE,
                     "The request body is larger than 1 MiB.", NULL);
      return;
    }

  root = swarm_json_parse_bytes (body, &error);
  if (root == NULL)
    {
      g_autofree char *message = g_strdup_printf ("The request body is not valid JSON: %s",
                                                  error->message);
      respond_error (msg, SWARMD_API_ERROR_INVALID_JSON, message, NULL);
      return;
    }

  request = swarm_deploy_request_from_node (root, &error);
  if (request == NULL)
    {
      if (g_error_matches (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_INVALID_JSON))
        respond_error (msg, SWARMD_API_ERROR_INVALID_JSON, error->message, NULL);
      else
        respond_error (msg, SWARMD_API_ERROR_INVALID_FIELD, error->message,
                       swarm_deploy_error_get_field (error->code));
      return;
    }

  /* The key the app saved in the keyring counts from the next agent on:
   * looked up (asynchronously) before each deploy. */
  call = g_new0 (DeployCall, 1);
  call->self = g_object_ref (self);
  call->msg = g_object_ref (msg);
  call->request = g_steal_pointer (&request);
  soup_server_message_pause (msg);
  swarmd_daemon_update_key_async (self->daemon, NULL, deploy_key_cb, call);
}

static void
finish_deploy (SwarmdServer       *self,
               SoupServerMessage  *msg,
               SwarmDeployRequest *request)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) reply = NULL;
  SwarmAgent *agent;

  agent = swarmd_daemon_deploy (self->daemon, request, &error);
  if (agent == NULL)
    {
      respond_gerror (msg, error);
      return;
    }

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "agent_id");
  json_builder_add_string_value (builder, swarm_agent_get_id (agent));
  json_builder_set_member_name (builder, "sandbox_id");
  json_builder_add_string_value (builder, swarm_agent_get_sandbox_id (agent));
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, "pending");
  json_builder_end_object (builder);
  reply = json_builder_get_root (builder);

  respond_node (msg, SOUP_STATUS_CREATED, reply);
}

static void
handle_agent (SwarmdServer      *self,
              SoupServerMessage *msg,
              const char        *method,
              const char        *agent_id,
              GHashTable        *query)
{
  g_autoptr(GError) error = NULL;

  if (g_str_equal (method, "GET"))
    {
      SwarmAgent *agent = swarmd_daemon_lookup (self->daemon, agent_id);

      if (agent == NULL)
        {
          g_autofree char *message = g_strdup_printf ("There is no agent with the id “%s”.", agent_id);
          respond_error (msg, SWARMD_API_ERROR_NOT_FOUND, message, NULL);
          return;
        }
      respond_agent (msg, SOUP_STATUS_OK, agent);
      return;
    }

  /* DELETE */
  if (query != NULL && g_strcmp0 (g_hash_table_lookup (query, "terminate_only"), "true") == 0)
    {
      SwarmAgent *agent = swarmd_daemon_terminate (self->daemon, agent_id, &error);

      if (agent == NULL)
        respond_gerror (msg, error);
      else
        respond_agent (msg, SOUP_STATUS_OK, agent);
      return;
    }

  if (!swarmd_daemon_destroy (self->daemon, agent_id, &error))
    {
      respond_gerror (msg, error);
      return;
    }

  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
}

static void
no_route (SoupServerMessage *msg,
          const char        *method,
          const char        *path)
{
  g_autofree char *message = g_strdup_printf ("There is no endpoint %s %s.", method, path);

  respond_error (msg, SWARMD_API_ERROR_NO_ROUTE, message, NULL);
}

static void
server_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  SwarmdServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  gboolean authorized;

  /* The method and the path only: never a header (the token) or a body
   * (environment values). */
  g_debug ("%s %s", method, path);
  add_cors (msg);

  /* Preflights carry no token, by design of CORS. */
  if (g_str_equal (method, "OPTIONS"))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
      return;
    }

  authorized = swarmd_daemon_check_token (self->daemon, bearer_token (msg));

  /* The bare health check tells a client which server this is. */
  if (g_str_equal (path, "/api/health") && g_str_equal (method, "GET") &&
      (authorized || !has_authorization (msg)))
    {
      DeployCall *call;

      /* The public answer tells nothing about the key. */
      if (!authorized)
        {
          g_autoptr(JsonNode) health = swarmd_daemon_health (self->daemon, FALSE);

          respond_node (msg, SOUP_STATUS_OK, health);
          return;
        }

      /* Whether the LLM is configured depends on the keyring's key. */
      call = g_new0 (DeployCall, 1);
      call->self = g_object_ref (self);
      call->msg = g_object_ref (msg);
      call->authorized = TRUE;
      soup_server_message_pause (msg);
      swarmd_daemon_update_key_async (self->daemon, NULL, health_key_cb, call);
      return;
    }

  if (!authorized)
    {
      respond_error (msg, SWARMD_API_ERROR_UNAUTHORIZED,
                     has_authorization (msg) ? "The access token is wrong."
                                             : "An access token is needed: send “Authorization: Bearer TOKEN”, "
                                               "with the token from the daemon's state directory.",
                     NULL);
      return;
    }

  if (g_str_equal (path, "/api/agents"))
    {
      if (g_str_equal (method, "GET"))
        {
          g_autoptr(GBytes) list = swarmd_daemon_list_json (self->daemon);

          respond_bytes (msg, SOUP_STATUS_OK, list);
          return;
        }
    }
  else if (g_str_equal (path, "/api/agents/deploy"))
    {
      if (g_str_equal (method, "POST"))
        {
          handle_deploy (self, msg);
          return;
        }
    }
  else if (g_str_equal (path, "/api/templates"))
    {
      if (g_str_equal (method, "GET"))
        {
          g_autoptr(JsonNode) templates = swarmd_daemon_templates (self->daemon);

          respond_node (msg, SOUP_STATUS_OK, templates);
          return;
        }
    }
  else if (g_str_has_prefix (path, "/api/agents/"))
    {
      g_auto(GStrv) parts = g_strsplit (path + strlen ("/api/agents/"), "/", -1);
      guint n = g_strv_length (parts);

      if (n == 1 && *parts[0] != '\0' && (g_str_equal (method,
                                                       "GET") || g_str_equal (method, "DELETE")))
        {
          handle_agent (self, msg, method, parts[0], query);
          return;
        }

      if (n == 2 && *parts[0] != '\0' && g_str_equal (parts[1],
                                                      "logs") && g_str_equal (method, "GET"))
        {
          handle_logs (self, msg, parts[0], query);
          return;
        }
    }

  no_route (msg, method, path);
}

/* Refuses an oversized body from its headers, before reading it. */
static void
on_request_started_cb (SoupServer        *server,
                       SoupServerMessage *msg,
                       gpointer           user_data);

static void
on_got_headers_cb (SoupServerMessage *msg,
                   gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (headers) > SWARMD_MAX_BODY)
    {
      add_cors (msg);
      respond_error (msg, SWARMD_API_ERROR_PAYLOAD_TOO_LARGE,
                     "The request body is larger than 1 MiB.", NULL);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Connection", "close");
    }
}

static void
on_got_chunk_cb (SoupServerMessage *msg,
                 GBytes            *chunk,
                 gpointer           user_data)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  /* A chunked body has no length up front: stop keeping it past the limit. */
  if (body->length > SWARMD_MAX_BODY)
    soup_message_body_set_accumulate (body, FALSE);
}

static void
on_request_started_cb (SoupServer        *server,
                       SoupServerMessage *msg,
                       gpointer           user_data)
{
  g_signal_connect (msg, "got-headers", G_CALLBACK (on_got_headers_cb), user_data);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (on_got_chunk_cb), user_data);
}

/* Object ------------------------------------------------------------------------------ */

static void
swarmd_server_dispose (GObject *object)
{
  SwarmdServer *self = SWARMD_SERVER (object);

  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_clear_object (&self->daemon);

  G_OBJECT_CLASS (swarmd_server_parent_class)->dispose (object);
}

static void
swarmd_server_class_init (SwarmdServerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = swarmd_server_dispose;
}

static void
swarmd_server_init (SwarmdServer *self)
{
}

/**
 * swarmd_server_new:
 * @certificate: (nullable): serve HTTPS with this certificate and key
 */
SwarmdServer *
swarmd_server_new (SwarmdDaemon    *daemon,
                   GTlsCertificate *certificate)
{
  SwarmdServer *self = g_object_new (SWARMD_TYPE_SERVER, NULL);

  self->daemon = g_object_ref (daemon);
  self->tls = certificate != NULL;
  self->server = soup_server_new ("server-header", "swarmyardd/" PACKAGE_VERSION " ",
                                  "tls-certificate", certificate,
                                  NULL);
  soup_server_add_handler (self->server, NULL, server_cb, self, NULL);
  g_signal_connect (self->server, "request-started", G_CALLBACK (on_request_started_cb), self);

  return self;
}

/**
 * swarmd_parse_listen:
 * @address: `HOST:PORT`, `[V6]:PORT`
 * @loopback: (out): whether the host is a loopback address
 */
gboolean
swarmd_parse_listen (const char  *address,
                     char       **host,
                     guint       *port,
                     gboolean    *loopback,
                     GError     **error)
{
  const char *colon = strrchr (address, ':');
  g_autofree char *name = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  guint64 number;

  if (colon == NULL || !g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &number, NULL))
    goto invalid;

  name = g_strndup (address, colon - address);
  if (name[0] == '[' && name[strlen (name) - 1] == ']')
    {
      char *inner = g_strndup (name + 1, strlen (name) - 2);

      g_free (name);
      name = inner;
    }

  if (g_str_equal (name, "localhost"))
    swarm_set_str (&name, "127.0.0.1");

  inet = g_inet_address_new_from_string (name);
  if (inet == NULL)
    goto invalid;

  *loopback = g_inet_address_get_is_loopback (inet);
  *port = (guint) number;
  *host = g_steal_pointer (&name);
  return TRUE;

invalid:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "“%s” is not an address to listen on, such as 127.0.0.1:8001 or [::1]:8001.", address);
  return FALSE;
}

/**
 * swarmd_server_listen:
 * @address: `HOST:PORT`; a non-loopback host needs TLS
 */
gboolean
swarmd_server_listen (SwarmdServer  *self,
                      const char    *address,
                      GError       **error)
{
  g_autofree char *host = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean loopback = FALSE;
  guint port = 0;

  if (!swarmd_parse_listen (address, &host, &port, &loopback, error))
    return FALSE;

  if (!loopback && !self->tls)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Listening on %s, beyond this computer, needs TLS: give --tls-cert and --tls-key.", address);
      return FALSE;
    }

  inet = g_inet_address_new_from_string (host);
  socket_address = g_inet_socket_address_new (inet, port);

  if (!soup_server_listen (self->server, socket_address, self->tls ? SOUP_SERVER_LISTEN_HTTPS : 0,
                           &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                     "Port %u on %s is already in use by another program.", port, host);
      else
        g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                    "Cannot listen on %s: ", address);
      return FALSE;
    }

  return TRUE;
}

/**
 * swarmd_server_get_url:
 *
 * Returns: (transfer full): the URL the server listens on
 */
char *
swarmd_server_get_url (SwarmdServer *self)
{
  GSList *uris = soup_server_get_uris (self->server);
  char *url = NULL;

  if (uris != NULL)
    {
      GUri *uri = uris->data;
      const char *host = g_uri_get_host (uri);

      url = g_strdup_printf ("%s://%s%s%s:%d", g_uri_get_scheme (uri),
                             strchr (host, ':') ? "[" : "", host, strchr (host, ':') ? "]" : "",
                             g_uri_get_port (uri));
    }

  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return url;
}
