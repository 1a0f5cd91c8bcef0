/* test-daemon.c — swarmyardd: the REST contract, the runner, bubblewrap
 *
 * The daemon runs in-process on a loopback port with a real SQLite file,
 * real bubblewrap sandboxes and a fake OpenAI-compatible server, the one
 * stand-in (no LLM provider is reachable here).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include <locale.h>
#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>

#include "swarm-agent-private.h"
#include "swarm-core.h"
#include "swarm-fake-llm.h"
#include "swarm-test-utils.h"
#include "swarmd-daemon.h"
#include "swarmd-server.h"

typedef struct
{
  char          *dir;
  char          *state_dir;
  char          *config_path;
  SwarmFakeLlm  *llm;
  SwarmdDaemon  *daemon;
  SwarmdServer  *server;
  char          *url;
  SoupSession   *session;
  SwarmClient   *client;
  GAsyncResult  *result;
} Fixture;

static void
write_config (Fixture    *f,
              const char *extra)
{
  g_autofree char *text = g_strdup_printf ("[llm]\nbase-url=%s\nmodel=fake/model\nretry-base-ms=50\n%s",
                                           swarm_fake_llm_get_url (f->llm), extra != NULL ? extra : "");

  g_assert_true (g_file_set_contents (f->config_path, text, -1, NULL));
}

static void
start_daemon (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->daemon = swarmd_daemon_new (f->state_dir, f->config_path, &error);
  g_assert_no_error (error);
  f->server = swarmd_server_new (f->daemon, NULL);
  g_assert_true (swarmd_server_listen (f->server, "127.0.0.1:0", &error));
  g_assert_no_error (error);
  g_free (f->url);
  f->url = swarmd_server_get_url (f->server);

  g_clear_object (&f->client);
  f->client = swarm_client_new (f->url);
  swarm_client_set_token (f->client, swarmd_daemon_get_token (f->daemon));
}

static void
stop_daemon (Fixture *f)
{
  swarmd_daemon_shutdown (f->daemon);
  g_clear_object (&f->server);
  g_clear_object (&f->daemon);
  swarm_test_spin_ms (50);
}

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  f->dir = g_dir_make_tmp ("swarmyardd-test-XXXXXX", NULL);
  f->state_dir = g_build_filename (f->dir, "state", NULL);
  f->config_path = g_build_filename (f->dir, "swarmyardd.conf", NULL);
  f->llm = swarm_fake_llm_new ();
  f->session = soup_session_new ();
  write_config (f, NULL);
  start_daemon (f);
}

static void
remove_dir (const char *path)
{
  g_autofree char *quoted = g_shell_quote (path);
  g_autofree char *command = g_strdup_printf ("rm -rf %s", quoted);

  g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  if (f->daemon != NULL)
    stop_daemon (f);
  g_clear_object (&f->client);
  g_clear_object (&f->session);
  g_clear_object (&f->llm);
  remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->state_dir);
  g_free (f->config_path);
  g_free (f->url);
}

/* Raw HTTP -------------------------------------------------------------------- */

typedef struct
{
  guint               status;
  GBytes             *body;
  SoupMessageHeaders *headers;
  JsonNode           *json;
} Response;

static void
response_clear (Response *r)
{
  g_clear_pointer (&r->body, g_bytes_unref);
  g_clear_pointer (&r->headers, soup_message_headers_unref);
  g_clear_pointer (&r->json, json_node_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Response, response_clear)

#define TOKEN(f) swarmd_daemon_get_token ((f)->daemon)

static void
request (Fixture    *f,
         const char *method,
         const char *path,
         const char *body,
         const char *token,
         Response   *out)
{
  g_autofree char *url = g_strconcat (f->url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (token != NULL)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }

  soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL,
                                    swarm_test_store_result_cb, &f->result);
  result = swarm_test_wait_result (&f->result);
  out->body = soup_session_send_and_read_finish (f->session, result, &error);
  g_assert_no_error (error);
  out->status = soup_message_get_status (msg);
  out->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  if (g_bytes_get_size (out->body) > 0)
    out->json = swarm_json_parse_bytes (out->body, NULL);
}

static const char *
json_str (JsonNode   *node,
          const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);
  JsonNode *cur = node;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (cur == NULL || !JSON_NODE_HOLDS_OBJECT (cur))
        return NULL;
      cur = json_object_get_member (json_node_get_object (cur), parts[i]);
    }

  if (cur == NULL || !JSON_NODE_HOLDS_VALUE (cur) || json_node_get_value_type (cur) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (cur);
}

static void
assert_error (Response   *r,
              guint       status,
              const char *code,
              const char *field)
{
  g_assert_cmpuint (r->status, ==, status);
  g_assert_nonnull (r->json);
  g_assert_cmpstr (json_str (r->json, "error.code"), ==, code);
  g_assert_nonnull (json_str (r->json, "error.message"));
  g_assert_cmpuint (strlen (json_str (r->json, "error.message")), >, 10);
  g_assert_cmpstr (json_str (r->json, "error.field"), ==, field);
}

static const char seed_body[] =
  "{\"agent_name\":\"api-endpoint-analyzer\",\"agent_type\":\"researcher\","
  "\"task_description\":\"Analyze REST API endpoints\",\"template\":\"base\","
  "\"environment\":{\"API_URL\":\"https://api.example.com\"},"
  "\"capabilities\":[\"api_analysis\",\"security_audit\"],\"config\":{\"timeout\":3600}}";

static char *
deploy (Fixture    *f,
        const char *body)
{
  g_auto(Response) r = { 0, };

  request (f, "POST", "/api/agents/deploy", body, TOKEN (f), &r);
  if (r.status != 201)
    g_error ("deploy: HTTP %u %.*s", r.status, (int) g_bytes_get_size (r.body),
             (const char *) g_bytes_get_data (r.body, NULL));
  return g_strdup (json_str (r.json, "agent_id"));
}

static SwarmAgent *
agent_of (Fixture    *f,
          const char *id)
{
  return swarmd_daemon_lookup (f->daemon, id);
}

typedef struct
{
  Fixture          *f;
  const char       *id;
  SwarmAgentStatus  status;
} StatusWait;

static gboolean
status_is (gpointer data)
{
  StatusWait *wait = data;
  SwarmAgent *agent = agent_of (wait->f, wait->id);

  return agent != NULL && agent->status == wait->status;
}

static void
wait_status (Fixture          *f,
             const char       *id,
             SwarmAgentStatus  status,
             guint             timeout_ms)
{
  StatusWait wait = { f, id, status };

  if (!swarm_test_wait_until (status_is, &wait, timeout_ms))
    g_error ("agent %s did not become %s (it is %s: %s)", id, swarm_agent_status_to_string (status),
             swarm_agent_status_to_string (agent_of (f, id)->status),
             agent_of (f, id)->error_message ? agent_of (f, id)->error_message : "");
}

static char *
all_logs (Fixture    *f,
          const char *id)
{
  g_auto(Response) r = { 0, };
  g_autofree char *path = g_strdup_printf ("/api/agents/%s/logs?limit=1000", id);

  request (f, "GET", path, NULL, TOKEN (f), &r);
  g_assert_cmpuint (r.status, ==, 200);
  return g_strndup (g_bytes_get_data (r.body, NULL), g_bytes_get_size (r.body));
}

/* Contract ---------------------------------------------------------------------- */

static void
test_seed_examples (Fixture       *f,
                    gconstpointer  data)
{
  g_auto(Response) deployed = { 0, };
  g_auto(Response) list = { 0, };
  g_auto(Response) one = { 0, };
  g_auto(Response) terminated = { 0, };
  g_auto(Response) destroyed = { 0, };
  g_autofree char *path = NULL;
  g_autofree char *workspace = NULL;
  const char *id, *sandbox;

  /* The agent waits on its model until terminated. */
  swarm_fake_llm_push_hang (f->llm);

  /* curl -X POST …/api/agents/deploy -d '{seed body}' */
  request (f, "POST", "/api/agents/deploy", seed_body, TOKEN (f), &deployed);
  g_assert_cmpuint (deployed.status, ==, 201);
  id = json_str (deployed.json, "agent_id");
  sandbox = json_str (deployed.json, "sandbox_id");
  g_assert_nonnull (id);
  g_assert_true (g_str_has_prefix (sandbox, "local-"));
  g_assert_cmpuint (strlen (sandbox), ==, strlen ("local-") + 12);
  g_assert_cmpstr (json_str (deployed.json, "status"), ==, "pending");

  /* The workspace exists before the 201 was sent. */
  workspace = g_build_filename (f->state_dir, "sandboxes", sandbox, NULL);
  g_assert_true (g_file_test (workspace, G_FILE_TEST_IS_DIR));

  /* GET /api/agents, with the seed's fields. */
  request (f, "GET", "/api/agents", NULL, TOKEN (f), &list);
  g_assert_cmpuint (list.status, ==, 200);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) agents = swarm_json_parse_agent_list (list.body, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (agents->len, ==, 1);
    g_assert_cmpstr (swarm_agent_get_name (g_ptr_array_index (agents, 0)), ==, "api-endpoint-analyzer");
    g_assert_cmpstr (swarm_agent_get_environment_keys (g_ptr_array_index (agents, 0))[0], ==, "API_URL");
  }
  g_assert_nonnull (strstr (g_bytes_get_data (list.body, NULL), "\"tokens_used\""));
  g_assert_nonnull (strstr (g_bytes_get_data (list.body, NULL), "\"execution_time_ms\""));

  path = g_strdup_printf ("/api/agents/%s", id);
  request (f, "GET", path, NULL, TOKEN (f), &one);
  g_assert_cmpuint (one.status, ==, 200);
  g_assert_cmpstr (json_str (one.json, "id"), ==, id);

  /* DELETE …?terminate_only=true: failed, record and workspace kept. */
  g_free (path);
  path = g_strdup_printf ("/api/agents/%s?terminate_only=true", id);
  request (f, "DELETE", path, NULL, TOKEN (f), &terminated);
  g_assert_cmpuint (terminated.status, ==, 200);
  g_assert_cmpstr (json_str (terminated.json, "status"), ==, "failed");
  g_assert_cmpstr (json_str (terminated.json, "error_message"), ==, "terminated by user");
  g_assert_nonnull (json_str (terminated.json, "completed_at"));
  g_assert_true (g_file_test (workspace, G_FILE_TEST_IS_DIR));

  /* DELETE: 204, record and workspace gone. */
  g_free (path);
  path = g_strdup_printf ("/api/agents/%s", id);
  request (f, "DELETE", path, NULL, TOKEN (f), &destroyed);
  g_assert_cmpuint (destroyed.status, ==, 204);
  g_assert_false (g_file_test (workspace, G_FILE_TEST_EXISTS));
  g_assert_null (agent_of (f, id));
}

static void
test_auth (Fixture       *f,
           gconstpointer  data)
{
  g_auto(Response) none = { 0, };
  g_auto(Response) wrong = { 0, };
  g_auto(Response) bare = { 0, };
  g_auto(Response) full = { 0, };
  g_auto(Response) wrong_health = { 0, };
  g_auto(Response) right = { 0, };
  g_autofree char *token_path = g_build_filename (f->state_dir, "token", NULL);
  GStatBuf st;

  request (f, "GET", "/api/agents", NULL, NULL, &none);
  assert_error (&none, 401, "unauthorized", NULL);
  request (f, "GET", "/api/agents", NULL, "0000", &wrong);
  assert_error (&wrong, 401, "unauthorized", NULL);
  request (f, "GET", "/api/agents", NULL, TOKEN (f), &right);
  g_assert_cmpuint (right.status, ==, 200);

  /* The bare health check: name, version, api_version only. */
  request (f, "GET", "/api/health", NULL, NULL, &bare);
  g_assert_cmpuint (bare.status, ==, 200);
  g_assert_cmpstr (json_str (bare.json, "name"), ==, "swarmyardd");
  g_assert_false (json_object_has_member (json_node_get_object (bare.json), "llm"));
  g_assert_false (json_object_has_member (json_node_get_object (bare.json), "status"));
  request (f, "GET", "/api/health", NULL, TOKEN (f), &full);
  g_assert_cmpstr (json_str (full.json, "status"), ==, "ok");
  g_assert_true (json_object_has_member (json_node_get_object (full.json), "llm"));
  request (f, "GET", "/api/health", NULL, "0000", &wrong_health);
  assert_error (&wrong_health, 401, "unauthorized", NULL);

  /* The token file is the owner's alone. */
  g_assert_cmpint (g_stat (token_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpuint (strlen (TOKEN (f)), ==, 64);
}

static void
test_preflight (Fixture       *f,
                gconstpointer  data)
{
  g_auto(Response) r = { 0, };

  request (f, "OPTIONS", "/api/agents/deploy", NULL, NULL, &r);
  g_assert_cmpuint (r.status, ==, 204);
  g_assert_cmpstr (soup_message_headers_get_one (r.headers, "Access-Control-Allow-Origin"), ==, "*");
  g_assert_nonnull (strstr (soup_message_headers_get_one (r.headers, "Access-Control-Allow-Headers"),
                            "authorization"));
  g_assert_nonnull (strstr (soup_message_headers_get_one (r.headers, "Access-Control-Allow-Methods"), "DELETE"));
}

static void
test_too_large (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *big = g_strnfill (2 * 1024 * 1024, ' ');
  g_auto(Response) r = { 0, };
  g_auto(Response) small = { 0, };

  request (f, "POST", "/api/agents/deploy", big, TOKEN (f), &r);
  assert_error (&r, 413, "payload_too_large", NULL);

  /* Control: the same route with a small bad body is not a 413. */
  request (f, "POST", "/api/agents/deploy", "{", TOKEN (f), &small);
  assert_error (&small, 400, "invalid_json", NULL);
}

static void
test_error_codes (Fixture       *f,
                  gconstpointer  data)
{
  g_auto(Response) no_route = { 0, };
  g_auto(Response) not_found = { 0, };
  g_auto(Response) logs_missing = { 0, };
  g_auto(Response) bad_field = { 0, };
  g_auto(Response) bad_type = { 0, };
  g_auto(Response) taken = { 0, };
  g_auto(Response) ended = { 0, };
  g_auto(Response) template = { 0, };
  g_auto(Response) bad_limit = { 0, };
  g_autofree char *id = NULL;
  g_autofree char *path = NULL;

  request (f, "GET", "/api/nothing", NULL, TOKEN (f), &no_route);
  assert_error (&no_route, 404, "no_route", NULL);
  request (f, "GET", "/api/agents/no-such-agent", NULL, TOKEN (f), &not_found);
  assert_error (&not_found, 404, "not_found", NULL);
  request (f, "GET", "/api/agents/no-such-agent/logs", NULL, TOKEN (f), &logs_missing);
  assert_error (&logs_missing, 404, "not_found", NULL);

  request (f, "POST", "/api/agents/deploy",
           "{\"agent_name\":\"bad name\",\"agent_type\":\"coder\",\"task_description\":\"t\"}",
           TOKEN (f), &bad_field);
  assert_error (&bad_field, 400, "invalid_field", "agent_name");
  request (f, "POST", "/api/agents/deploy",
           "{\"agent_name\":\"n\",\"agent_type\":\"coder\",\"task_description\":\"t\",\"config\":{\"timeout\":\"1h\"}}",
           TOKEN (f), &bad_type);
  assert_error (&bad_type, 400, "invalid_field", "config.timeout");

  swarm_fake_llm_set_fallback_tool_call (f->llm, "finish", "{\"result\":\"done\",\"success\":true}", 1, 1);
  id = deploy (f, "{\"agent_name\":\"twin\",\"agent_type\":\"coder\",\"task_description\":\"t\"}");
  request (f, "POST", "/api/agents/deploy",
           "{\"agent_name\":\"twin\",\"agent_type\":\"coder\",\"task_description\":\"t\"}", TOKEN (f), &taken);
  assert_error (&taken, 409, "name_taken", "agent_name");

  wait_status (f, id, SWARM_AGENT_STATUS_COMPLETED, 10000);
  path = g_strdup_printf ("/api/agents/%s?terminate_only=true", id);
  request (f, "DELETE", path, NULL, TOKEN (f), &ended);
  assert_error (&ended, 409, "already_ended", NULL);

  request (f, "POST", "/api/agents/deploy",
           "{\"agent_name\":\"rubyist\",\"agent_type\":\"coder\",\"task_description\":\"t\",\"template\":\"ruby\"}",
           TOKEN (f), &template);
  assert_error (&template, 400, "template_unavailable", "template");

  g_free (path);
  path = g_strdup_printf ("/api/agents/%s/logs?limit=5000", id);
  request (f, "GET", path, NULL, TOKEN (f), &bad_limit);
  assert_error (&bad_limit, 400, "invalid_field", "limit");
}

static void
test_llm_not_configured (Fixture       *f,
                         gconstpointer  data)
{
  g_auto(Response) r = { 0, };
  g_auto(Response) health = { 0, };

  /* A remote server and no key: not configured. */
  g_assert_true (g_file_set_contents (f->config_path, "[llm]\nbase-url=https://llm.example.com/v1\n", -1, NULL));
  g_unsetenv ("SWARMYARD_LLM_API_KEY");
  g_unsetenv ("OPENROUTER_API_KEY");

  request (f, "POST", "/api/agents/deploy", seed_body, TOKEN (f), &r);
  assert_error (&r, 503, "llm_not_configured", NULL);
  request (f, "GET", "/api/health", NULL, TOKEN (f), &health);
  g_assert_false (json_object_get_boolean_member (json_object_get_object_member (json_node_get_object (health.json), "llm"),
                                                  "configured"));
}

static void
test_sandbox_failed (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *sandboxes = g_build_filename (f->state_dir, "sandboxes", NULL);
  g_auto(Response) r = { 0, };

  /* Where the workspaces go is now a file: the sandbox cannot be made. */
  remove_dir (sandboxes);
  g_assert_true (g_file_set_contents (sandboxes, "not a directory", -1, NULL));

  request (f, "POST", "/api/agents/deploy", seed_body, TOKEN (f), &r);
  assert_error (&r, 502, "sandbox_failed", NULL);
  g_assert_cmpuint (swarmd_daemon_get_n_agents (f->daemon), ==, 0);
}

static gboolean
accept_any_certificate_cb (SoupMessage          *msg,
                           GTlsCertificate      *certificate,
                           GTlsCertificateFlags  errors,
                           gpointer              user_data)
{
  return TRUE;
}

static void
test_listen_rules (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *cert = g_build_filename (f->dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (f->dir, "key.pem", NULL);
  g_autofree char *quoted_cert = g_shell_quote (cert);
  g_autofree char *quoted_key = g_shell_quote (key);
  g_autofree char *command = NULL;
  g_autofree char *occupied = NULL;
  g_autofree char *url = NULL;
  g_autofree char *health_url = NULL;
  g_autoptr(SwarmdServer) open_server = NULL;
  g_autoptr(SwarmdServer) second = NULL;
  g_autoptr(SwarmdServer) tls_server = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  int status = -1;

  /* Beyond loopback, plain HTTP is refused… */
  open_server = swarmd_server_new (f->daemon, NULL);
  g_assert_false (swarmd_server_listen (open_server, "0.0.0.0:0", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "needs TLS"));
  g_clear_error (&error);

  /* … a port in use is said so … */
  occupied = g_strdup_printf ("127.0.0.1:%s", strrchr (f->url, ':') + 1);
  second = swarmd_server_new (f->daemon, NULL);
  g_assert_false (swarmd_server_listen (second, occupied, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_nonnull (strstr (error->message, "already in use by another program"));
  g_clear_error (&error);

  /* … and with a certificate the daemon speaks HTTPS. */
  command = g_strdup_printf ("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
                             "-keyout %s -out %s", quoted_key, quoted_cert);
  g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, &status, NULL));
  g_assert_cmpint (status, ==, 0);
  certificate = g_tls_certificate_new_from_files (cert, key, &error);
  g_assert_no_error (error);

  tls_server = swarmd_server_new (f->daemon, certificate);
  g_assert_true (swarmd_server_listen (tls_server, "127.0.0.1:0", &error));
  g_assert_no_error (error);
  url = swarmd_server_get_url (tls_server);
  g_assert_true (g_str_has_prefix (url, "https://"));

  health_url = g_strconcat (url, "/api/health", NULL);
  msg = soup_message_new ("GET", health_url);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_any_certificate_cb), NULL);
  soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL, swarm_test_store_result_cb, &f->result);
  {
    g_autoptr(GAsyncResult) result = swarm_test_wait_result (&f->result);
    body = soup_session_send_and_read_finish (f->session, result, &error);
  }
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  g_assert_nonnull (strstr (g_bytes_get_data (body, NULL), "\"swarmyardd\""));
}

/* Runner --------------------------------------------------------------------------- */

static const char *
message_content (JsonNode   *request_node,
                 const char *role,
                 guint       nth)
{
  JsonArray *messages = json_object_get_array_member (json_node_get_object (request_node), "messages");
  guint seen = 0;

  for (guint i = 0; i < json_array_get_length (messages); i++)
    {
      JsonObject *m = json_array_get_object_element (messages, i);

      if (g_strcmp0 (json_object_get_string_member (m, "role"), role) == 0 && seen++ == nth)
        return json_object_get_string_member (m, "content");
    }

  return NULL;
}

static void
test_coder_completes (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *id = NULL;
  g_autofree char *logs = NULL;
  g_autofree char *file = NULL;
  SwarmAgent *agent;
  JsonNode *req;

  swarm_fake_llm_push_tool_call (f->llm, "write_file",
                                 "{\"path\":\"hello.py\",\"content\":\"print('hello from python')\\n\"}",
                                 100, 20, 0.001);
  swarm_fake_llm_push_tool_call (f->llm, "run_command",
                                 "{\"command\":\"python3 hello.py > out.txt && cat out.txt\"}", 200, 30, 0.002);
  swarm_fake_llm_push_tool_call (f->llm, "read_file", "{\"path\":\"/home/user/out.txt\"}", 300, 40, 0.003);
  swarm_fake_llm_push_tool_call (f->llm, "finish", "{\"result\":\"It printed hello.\",\"success\":true}",
                                 400, 50, 0.004);

  id = deploy (f, "{\"agent_name\":\"coder-1\",\"agent_type\":\"coder\",\"task_description\":\"Write hello.py\","
                  "\"template\":\"python\"}");
  wait_status (f, id, SWARM_AGENT_STATUS_COMPLETED, 20000);
  agent = agent_of (f, id);

  g_assert_cmpint (agent->tokens_used, ==, 100 + 20 + 200 + 30 + 300 + 40 + 400 + 50);
  g_assert_cmpfloat_with_epsilon (agent->cost_usd, 0.010, 1e-12);
  g_assert_cmpint (agent->steps, ==, 4);
  g_assert_cmpstr (agent->result, ==, "It printed hello.");
  g_assert_null (agent->error_message);
  g_assert_nonnull (agent->started_at);
  g_assert_nonnull (agent->completed_at);
  g_assert_cmpint (agent->execution_time_ms, >, 0);
  g_assert_cmpstr (agent->model, ==, "fake/model");

  /* The model saw each result: the written file, the output, the content. */
  g_assert_cmpuint (swarm_fake_llm_get_n_requests (f->llm), ==, 4);
  req = swarm_fake_llm_get_request (f->llm, 0);
  g_assert_cmpstr (message_content (req, "user", 0), ==, "Write hello.py");
  g_assert_nonnull (strstr (message_content (req, "system", 0), "coding agent"));
  g_assert_nonnull (strstr (message_content (swarm_fake_llm_get_request (f->llm, 1), "tool", 0), "Wrote"));
  g_assert_nonnull (strstr (message_content (swarm_fake_llm_get_request (f->llm, 2), "tool", 1),
                            "hello from python"));
  g_assert_nonnull (strstr (message_content (swarm_fake_llm_get_request (f->llm, 2), "tool", 1),
                            "\"exit_code\":0"));
  g_assert_cmpstr (message_content (swarm_fake_llm_get_request (f->llm, 3), "tool", 2), ==, "hello from python\n");

  /* Tools are offered as JSON-schema functions. */
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (req), "tools")), ==, 4);

  /* Every step is in the log; the file is in the workspace. */
  logs = all_logs (f, id);
  g_assert_nonnull (strstr (logs, "$ python3 hello.py"));
  g_assert_nonnull (strstr (logs, "exit 0"));
  g_assert_nonnull (strstr (logs, "step 4"));
  file = g_build_filename (f->state_dir, "sandboxes", agent->sandbox_id, "out.txt", NULL);
  g_assert_true (g_file_test (file, G_FILE_TEST_EXISTS));
}

/* Runs one agent that finishes at once; returns what the LLM was sent as
 * Authorization (NULL: nothing). */
static char *
authorization_of_next_agent (Fixture    *f,
                             const char *name)
{
  g_autofree char *body = g_strdup_printf ("{\"agent_name\":\"%s\",\"agent_type\":\"coder\","
                                           "\"task_description\":\"Say done\"}", name);
  g_autofree char *id = NULL;
  guint before = swarm_fake_llm_get_n_requests (f->llm);

  swarm_fake_llm_push_tool_call (f->llm, "finish", "{\"result\":\"done\",\"success\":true}", 10, 5, 0);
  id = deploy (f, body);
  wait_status (f, id, SWARM_AGENT_STATUS_COMPLETED, 20000);
  g_assert_cmpuint (swarm_fake_llm_get_n_requests (f->llm), ==, before + 1);

  return g_strdup (swarm_fake_llm_get_authorization (f->llm, before));
}

/* The key the app saves in the keyring is used by the next agent, with no
 * restart; without one, the environment's. */
static void
test_key_from_keyring (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *none = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *from_env = NULL;

  /* Control: no key anywhere (the fake LLM is on loopback, so no key is
   * needed), and nothing is sent. */
  swarm_test_secret_store (SWARM_SECRET_LLM_KEY, NULL, NULL);
  none = authorization_of_next_agent (f, "no-key");
  g_assert_null (none);

  swarm_test_secret_store (SWARM_SECRET_LLM_KEY, NULL, "sk-keyring-first-3f9a");
  first = authorization_of_next_agent (f, "keyring-1");
  g_assert_cmpstr (first, ==, "Bearer sk-keyring-first-3f9a");

  swarm_test_secret_store (SWARM_SECRET_LLM_KEY, NULL, "sk-keyring-second-77c1");
  second = authorization_of_next_agent (f, "keyring-2");
  g_assert_cmpstr (second, ==, "Bearer sk-keyring-second-77c1");

  /* The health answer counts the keyring's key as configured. */
  {
    g_auto(Response) r = { 0, };

    request (f, "GET", "/api/health", NULL, TOKEN (f), &r);
    g_assert_cmpuint (r.status, ==, 200);
    g_assert_true (json_object_get_boolean_member (json_object_get_object_member (json_node_get_object (r.json), "llm"),
                                                   "configured"));
  }

  swarm_test_secret_store (SWARM_SECRET_LLM_KEY, NULL, NULL);
  g_setenv ("SWARMYARD_LLM_API_KEY", "sk-environment-5d2e", TRUE);
  from_env = authorization_of_next_agent (f, "from-env");
  g_unsetenv ("SWARMYARD_LLM_API_KEY");
  g_assert_cmpstr (from_env, ==, "Bearer sk-environment-5d2e");
}

static void
test_configured_prices (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *id = NULL;

  /* No usage.cost in the reply: the configured prices apply. */
  write_config (f, "prompt-price-per-mtok=2.5\ncompletion-price-per-mtok=10\n");
  swarm_fake_llm_push_tool_call (f->llm, "finish", "{\"result\":\"ok\",\"success\":true}", 1000000, 200000, -1);

  id = deploy (f, "{\"agent_name\":\"priced\",\"agent_type\":\"analyst\",\"task_description\":\"t\"}");
  wait_status (f, id, SWARM_AGENT_STATUS_COMPLETED, 10000);
  g_assert_cmpfloat_with_epsilon (agent_of (f, id)->cost_usd, 2.5 + 2.0, 1e-9);
  g_assert_cmpint (agent_of (f, id)->tokens_used, ==, 1200000);
}

static void
test_malformed_calls (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *id = NULL;
  g_autofree char *logs = NULL;
  JsonNode *req;

  /* Bad JSON, then an unknown tool, then no tool at all: three in a row. */
  swarm_fake_llm_push_tool_call (f->llm, "run_command", "{not json", 10, 1, -1);
  swarm_fake_llm_push_tool_call (f->llm, "launch_rockets", "{}", 10, 1, -1);
  swarm_fake_llm_push_text (f->llm, "I think I am done.", 10, 1);

  id = deploy (f, "{\"agent_name\":\"sloppy\",\"agent_type\":\"my_helper\",\"task_description\":\"t\"}");
  wait_status (f, id, SWARM_AGENT_STATUS_FAILED, 10000);
  g_assert_nonnull (strstr (agent_of (f, id)->error_message, "3 times in a row"));
  g_assert_cmpint (agent_of (f, id)->steps, ==, 3);

  /* Each tool_call_id got exactly one answer, and a correction. */
  req = swarm_fake_llm_get_request (f->llm, 1);
  g_assert_nonnull (strstr (message_content (req, "tool", 0), "not a valid JSON object"));
  req = swarm_fake_llm_get_request (f->llm, 2);
  g_assert_nonnull (strstr (message_content (req, "tool", 1), "no tool “launch_rockets”"));
  g_assert_nonnull (strstr (message_content (swarm_fake_llm_get_request (f->llm, 0), "system", 0), "my_helper"));

  logs = all_logs (f, id);
  g_assert_nonnull (strstr (logs, "Reply with a tool call"));
}

static void
test_corrected_then_fine (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *id = NULL;

  /* Two mistakes, then a good call: the count starts over. */
  swarm_fake_llm_push_text (f->llm, "hmm", 10, 1);
  swarm_fake_llm_push_tool_call (f->llm, "read_file", "{}", 10, 1, -1);
  swarm_fake_llm_push_tool_call (f->llm, "run_command", "{\"command\":\"true\"}", 10, 1, -1);
  swarm_fake_llm_push_text (f->llm, "hmm", 10, 1);
  swarm_fake_llm_push_tool_call (f->llm, "finish", "{\"result\":\"ok\",\"success\":true}", 10, 1, -1);

  id = deploy (f, "{\"agent_name\":\"learner\",\"agent_type\":\"tester\",\"task_description\":\"t\"}");
  wait_status (f, id, SWARM_AGENT_STATUS_COMPLETED, 10000);
  g_assert_cmpint (agent_of (f, id)->steps, ==, 5);
}

static void
test_rate_limited_then_ok (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *id = NULL;

  swarm_fake_llm_push_raw (f->llm, 429, "{\"error\":{\"code\":429,\"message\":\"slow down\"}}", "1");
  swarm_fake_llm_push_raw (f->llm, 503, "{\"error\":{\"code\":503,\"message\":\"no provider\"}}", NULL);
  swarm_fake_llm_push_tool_call (f->llm, "finish", "{\"result\":\"ok\",\"success\":true}", 5, 5, 0.0001);

  id = deploy (f, "{\"agent_name\":\"patient\",\"agent_type\":\"coder\",\"task_description\":\"t\"}");
  wait_status (f, id, SWARM_AGENT_STATUS_COMPLETED, 15000);
  g_assert_cmpuint (swarm_fake_llm_get_n_requests (f->llm), ==, 3);
  g_assert_cmpint (agent_of (f, id)->tokens_used, ==, 10);
  g_assert_cmpint (agent_of (f, id)->steps, ==, 1);
}

static void
test_unauthorized_key (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *id = NULL;

  swarm_fake_llm_push_raw (f->llm, 402, "{\"error\":{\"code\":402,\"message\":\"Insufficient credits\"}}", NULL);
  id = deploy (f, "{\"agent_name\":\"broke\",\"agent_type\":\"coder\",\"task_description\":\"t\"}");
  wait_status (f, id, SWARM_AGENT_STATUS_FAILED, 10000);
  g_assert_nonnull (strstr (agent_of (f, id)->error_message, "no credits left"));
  g_assert_cmpuint (swarm_fake_llm_get_n_requests (f->llm), ==, 1);   /* not retried */

  swarm_fake_llm_push_raw (f->llm, 401, "{\"error\":{\"code\":401,\"message\":\"No auth credentials found\"}}", NULL);
  g_free (id);
  id = deploy (f, "{\"agent_name\":\"keyless\",\"agent_type\":\"coder\",\"task_description\":\"t\"}");
  wait_status (f, id, SWARM_AGENT_STATUS_FAILED, 10000);
  g_assert_nonnull (strstr (agent_of (f, id)->error_message, "refused the API key"));
}

static void
test_max_steps (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *id = NULL;

  swarm_fake_llm_set_fallback_tool_call (f->llm, "run_command", "{\"command\":\"true\"}", 10, 10);
  id = deploy (f, "{\"agent_name\":\"busy\",\"agent_type\":\"coder\",\"task_description\":\"t\","
                  "\"config\":{\"timeout\":600,\"max_steps\":3}}");
  wait_status (f, id, SWARM_AGENT_STATUS_FAILED, 15000);
  g_assert_nonnull (strstr (agent_of (f, id)->error_message, "max_steps"));
  g_assert_cmpint (agent_of (f, id)->steps, ==, 3);
  g_assert_cmpuint (swarm_fake_llm_get_n_requests (f->llm), ==, 3);
}

static void
test_max_cost (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *id = NULL;

  for (guint i = 0; i < 5; i++)
    swarm_fake_llm_push_tool_call (f->llm, "run_command", "{\"command\":\"true\"}", 10, 10, 0.003);
  id = deploy (f, "{\"agent_name\":\"spender\",\"agent_type\":\"coder\",\"task_description\":\"t\","
                  "\"config\":{\"timeout\":600,\"max_cost_usd\":0.005}}");
  wait_status (f, id, SWARM_AGENT_STATUS_FAILED, 15000);
  g_assert_nonnull (strstr (agent_of (f, id)->error_message, "max_cost_usd"));
  /* The call that crossed the budget was billed; none after it was made. */
  g_assert_cmpfloat_with_epsilon (agent_of (f, id)->cost_usd, 0.006, 1e-12);
  g_assert_cmpuint (swarm_fake_llm_get_n_requests (f->llm), ==, 2);
}

static gboolean
llm_cancelled (gpointer data)
{
  return swarm_fake_llm_get_n_cancelled (data) > 0;
}

static void
test_agent_timeout (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *id = NULL;

  swarm_fake_llm_push_hang (f->llm);
  id = deploy (f, "{\"agent_name\":\"slowpoke\",\"agent_type\":\"coder\",\"task_description\":\"t\","
                  "\"config\":{\"timeout\":1}}");
  wait_status (f, id, SWARM_AGENT_STATUS_FAILED, 5000);
  g_assert_nonnull (strstr (agent_of (f, id)->error_message, "timeout"));
  g_assert_true (swarm_test_wait_until (llm_cancelled, f->llm, 5000));
}

static gboolean
llm_hanging (gpointer data)
{
  return swarm_fake_llm_get_n_hanging (data) > 0;
}

static void
test_terminate_mid_llm (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  swarm_fake_llm_push_hang (f->llm);
  id = deploy (f, "{\"agent_name\":\"thinker\",\"agent_type\":\"coder\",\"task_description\":\"t\"}");
  g_assert_true (swarm_test_wait_until (llm_hanging, f->llm, 5000));
  wait_status (f, id, SWARM_AGENT_STATUS_RUNNING, 1000);

  g_assert_nonnull (swarmd_daemon_terminate (f->daemon, id, &error));
  g_assert_no_error (error);
  g_assert_cmpint (agent_of (f, id)->status, ==, SWARM_AGENT_STATUS_FAILED);
  g_assert_cmpstr (agent_of (f, id)->error_message, ==, "terminated by user");
  /* The request in flight was cancelled, and nothing was billed for it. */
  g_assert_true (swarm_test_wait_until (llm_cancelled, f->llm, 5000));
  g_assert_cmpint (agent_of (f, id)->tokens_used, ==, 0);
}

static guint
count_processes (const char *needle)
{
  return swarm_test_count_processes (needle, FALSE);
}

/* Processes that are exactly the command @command_line. */
static guint
count_commands (const char *command_line)
{
  return swarm_test_count_processes (command_line, TRUE);
}

static gboolean
sleepers_alive (gpointer data)
{
  return count_commands (data) >= 2;
}

static gboolean
sleepers_gone (gpointer data)
{
  return count_commands (data) == 0 && count_processes (data) == 0;
}

static void
test_terminate_mid_command (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *workspace = NULL;
  const char *needle = "sleep 1000.5";
  gint64 start;

  swarm_fake_llm_push_tool_call (f->llm, "run_command", "{\"command\":\"sleep 1000.5 & sleep 1000.5; wait\"}",
                                 10, 10, -1);
  id = deploy (f, "{\"agent_name\":\"sleeper\",\"agent_type\":\"coder\",\"task_description\":\"t\"}");

  /* Positive control: the tree is alive, both sleeps of it. */
  g_assert_true (swarm_test_wait_until (sleepers_alive, (gpointer) needle, 10000));

  start = g_get_monotonic_time ();
  g_assert_nonnull (swarmd_daemon_terminate (f->daemon, id, &error));
  g_assert_true (swarm_test_wait_until (sleepers_gone, (gpointer) needle, 1000));
  g_test_message ("the tree was gone %" G_GINT64_FORMAT " ms after terminate",
                  (g_get_monotonic_time () - start) / 1000);

  /* The workspace stays after terminate. */
  workspace = g_build_filename (f->state_dir, "sandboxes", agent_of (f, id)->sandbox_id, NULL);
  g_assert_true (g_file_test (workspace, G_FILE_TEST_IS_DIR));
}

/* Bubblewrap ------------------------------------------------------------------------- */

static char *
run_one_command (Fixture    *f,
                 const char *name,
                 const char *command,
                 const char *extra_json)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) args = NULL;
  g_autofree char *args_json = NULL;
  g_autofree char *body = NULL;
  g_autofree char *id = NULL;
  JsonNode *last;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "command");
  json_builder_add_string_value (builder, command);
  json_builder_end_object (builder);
  args = json_builder_get_root (builder);
  args_json = swarm_json_node_to_data (args, NULL);

  swarm_fake_llm_push_tool_call (f->llm, "run_command", args_json, 10, 10, -1);
  swarm_fake_llm_push_tool_call (f->llm, "finish", "{\"result\":\"ok\",\"success\":true}", 10, 10, -1);

  body = g_strdup_printf ("{\"agent_name\":\"%s\",\"agent_type\":\"coder\",\"task_description\":\"t\"%s}",
                          name, extra_json != NULL ? extra_json : "");
  id = deploy (f, body);
  wait_status (f, id, SWARM_AGENT_STATUS_COMPLETED, 20000);

  last = swarm_fake_llm_get_request (f->llm, swarm_fake_llm_get_n_requests (f->llm) - 1);
  {
    JsonArray *messages = json_object_get_array_member (json_node_get_object (last), "messages");
    JsonObject *tool = json_array_get_object_element (messages, json_array_get_length (messages) - 1);

    return g_strdup (json_object_get_string_member (tool, "content"));
  }
}

static void
test_bwrap_readonly_system (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *output = run_one_command (f, "writer",
    "echo hi > /home/user/in-workspace.txt && echo workspace-ok; touch /usr/forbidden; echo usr-rc=$?", NULL);

  g_test_message ("%s", output);
  /* Same sandbox, same command: the workspace is writable … */
  g_assert_nonnull (strstr (output, "workspace-ok"));
  /* … and /usr is not. */
  g_assert_nonnull (strstr (output, "usr-rc=1"));
  g_assert_nonnull (strstr (output, "Read-only file system"));
  g_assert_false (g_file_test ("/usr/forbidden", G_FILE_TEST_EXISTS));
}

static void
test_bwrap_network (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(SoupServer) listener = soup_server_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *command = NULL;
  g_autofree char *with = NULL;
  g_autofree char *without = NULL;
  GSList *uris;
  int port;

  g_assert_true (soup_server_listen_local (listener, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  uris = soup_server_get_uris (listener);
  port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  command = g_strdup_printf ("if exec 3<>/dev/tcp/127.0.0.1/%d; then echo host-reached; "
                             "else echo host-unreachable; fi", port);

  with = run_one_command (f, "online", command, ",\"capabilities\":[\"network\"]");
  without = run_one_command (f, "offline", command, NULL);
  g_test_message ("with network: %s\nwithout: %s", with, without);

  g_assert_nonnull (strstr (with, "host-reached"));
  g_assert_nonnull (strstr (without, "host-unreachable"));
}

static gboolean
file_contains (const char *path,
               const char *needle)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;

  return memmem (contents, length, needle, strlen (needle)) != NULL;
}

static gboolean
agent_started_sleeping (gpointer data)
{
  return count_commands ("sleep 1.25") > 0;
}

static void
test_env_secret (Fixture       *f,
                 gconstpointer  data)
{
  const char *secret = "s3cr3t-Value-Qx91";
  g_autofree char *expected_hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, secret, -1);
  g_autofree char *id = NULL;
  g_autofree char *logs = NULL;
  g_autofree char *path = NULL;
  g_autofree char *db = g_build_filename (f->state_dir, "swarmyardd.db", NULL);
  g_autofree char *wal = g_build_filename (f->state_dir, "swarmyardd.db-wal", NULL);
  g_auto(Response) list = { 0, };
  g_auto(Response) one = { 0, };

  swarm_fake_llm_push_tool_call (f->llm, "run_command",
                                 "{\"command\":\"printf %s \\\"$SECRET_VALUE\\\" | sha256sum; sleep 1.25; "
                                 "echo \\\"raw=$SECRET_VALUE\\\"\"}", 10, 10, -1);
  swarm_fake_llm_push_tool_call (f->llm, "finish", "{\"result\":\"ok\",\"success\":true}", 10, 10, -1);
  id = deploy (f, "{\"agent_name\":\"secretive\",\"agent_type\":\"coder\",\"task_description\":\"t\","
                  "\"environment\":{\"SECRET_VALUE\":\"s3cr3t-Value-Qx91\"}}");

  /* While the command runs (control: it is seen), no command line holds the value. */
  g_assert_true (swarm_test_wait_until (agent_started_sleeping, NULL, 10000));
  g_assert_cmpuint (count_processes (secret), ==, 0);

  wait_status (f, id, SWARM_AGENT_STATUS_COMPLETED, 20000);

  /* The command saw the value: its hash is right. */
  logs = all_logs (f, id);
  g_assert_nonnull (strstr (logs, expected_hash));
  g_assert_nonnull (strstr (logs, "raw=***"));
  g_assert_null (strstr (logs, secret));

  /* Neither the model nor any API body saw it. */
  for (guint i = 0; i < swarm_fake_llm_get_n_requests (f->llm); i++)
    {
      g_autofree char *sent = swarm_json_node_to_data (swarm_fake_llm_get_request (f->llm, i), NULL);
      g_assert_null (strstr (sent, secret));
    }
  g_assert_nonnull (strstr (message_content (swarm_fake_llm_get_request (f->llm, 1), "tool", 0), expected_hash));

  request (f, "GET", "/api/agents", NULL, TOKEN (f), &list);
  g_assert_null (memmem (g_bytes_get_data (list.body, NULL), g_bytes_get_size (list.body), secret, strlen (secret)));
  g_assert_nonnull (memmem (g_bytes_get_data (list.body, NULL), g_bytes_get_size (list.body), "SECRET_VALUE", 12));
  path = g_strdup_printf ("/api/agents/%s", id);
  request (f, "GET", path, NULL, TOKEN (f), &one);
  g_assert_null (memmem (g_bytes_get_data (one.body, NULL), g_bytes_get_size (one.body), secret, strlen (secret)));

  /* Nor the database: the logs (with the hash, the control) are there, the value is not. */
  g_assert_true (file_contains (db, expected_hash) || file_contains (wal, expected_hash));
  g_assert_false (file_contains (db, secret));
  g_assert_false (file_contains (wal, secret));
}

static void
test_command_limits (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *big = run_one_command (f, "chatty", "seq 1 100000", NULL);
  g_autofree char *limits = run_one_command (f, "limited",
                                             "echo files=$(ulimit -f) memory=$(ulimit -v) procs=$(ulimit -u)", NULL);

  /* The output is cut to its first and last 8 KiB, with a note. */
  g_assert_true (g_str_has_prefix (strstr (big, "\"output\":\"") + strlen ("\"output\":\""), "1\\n2\\n3\\n"));
  g_assert_nonnull (strstr (big, "99999\\n100000\\n"));
  g_assert_nonnull (strstr (big, "bytes of output cut"));
  g_assert_nonnull (strstr (big, "\"elided_bytes\""));
  g_assert_cmpuint (strlen (big), <, 20 * 1024);

  /* Resource limits apply inside (ulimit reports KiB for -f and -v). */
  g_test_message ("%s", limits);
  g_assert_nonnull (strstr (limits, "files=1048576"));
  g_assert_nonnull (strstr (limits, "memory=8388608"));
  g_assert_nonnull (strstr (limits, "procs=4096"));
}

static gboolean
no_slow_sleeper (gpointer data)
{
  return count_commands ("sleep 30.5") == 0;
}

static gboolean
slow_sleeper (gpointer data)
{
  return count_commands ("sleep 30.5") > 0;
}

static void
test_command_timeout (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *id = NULL;
  const char *reply;
  gint64 start;

  swarm_fake_llm_push_tool_call (f->llm, "run_command", "{\"command\":\"sleep 30.5\",\"timeout_s\":1}", 10, 10, -1);
  swarm_fake_llm_push_tool_call (f->llm, "finish", "{\"result\":\"gave up\",\"success\":false}", 10, 10, -1);
  id = deploy (f, "{\"agent_name\":\"impatient\",\"agent_type\":\"coder\",\"task_description\":\"t\"}");

  g_assert_true (swarm_test_wait_until (slow_sleeper, NULL, 10000));
  start = g_get_monotonic_time ();
  g_assert_true (swarm_test_wait_until (no_slow_sleeper, NULL, 5000));
  g_test_message ("killed %" G_GINT64_FORMAT " ms after it was seen", (g_get_monotonic_time () - start) / 1000);

  wait_status (f, id, SWARM_AGENT_STATUS_FAILED, 10000);
  reply = message_content (swarm_fake_llm_get_request (f->llm, 1), "tool", 0);
  g_assert_nonnull (strstr (reply, "\"timed_out\":true"));
  g_assert_cmpstr (agent_of (f, id)->error_message, ==, "the agent finished without success");
  g_assert_cmpstr (agent_of (f, id)->result, ==, "gave up");
}

/* Restart --------------------------------------------------------------------------- */

typedef struct
{
  GSubprocess *process;
  char        *url;
} Spawned;

static void
read_url_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Spawned *spawned = user_data;

  spawned->url = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object), result, NULL, NULL);
  if (spawned->url == NULL)
    spawned->url = g_strdup ("");
}

static gboolean
url_known (gpointer data)
{
  return ((Spawned *) data)->url != NULL;
}

static void
spawn_daemon (Fixture *f,
              Spawned *spawned)
{
  const char *binary = g_getenv ("SWARMYARD_DAEMON");
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;

  g_assert_nonnull (binary);
  spawned->url = NULL;
  spawned->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, binary, "--listen", "127.0.0.1:0",
                                       "--state-dir", f->state_dir, "--config", f->config_path, NULL);
  g_assert_no_error (error);

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (spawned->process));
  g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, NULL, read_url_cb, spawned);
  g_assert_true (swarm_test_wait_until (url_known, spawned, 10000));
  g_assert_true (g_str_has_prefix (spawned->url, "http://127.0.0.1:"));
}

static void
test_restart_after_kill (Fixture       *f,
                         gconstpointer  data)
{
  Spawned first = { 0, }, second = { 0, };
  g_autofree char *id = NULL;
  g_autofree char *logs = NULL;
  g_autofree char *token = NULL;
  g_autofree char *token_path = g_build_filename (f->state_dir, "token", NULL);
  g_auto(Response) r = { 0, };
  g_autofree char *path = NULL;

  /* The in-process daemon steps aside; a real swarmyardd owns the state. */
  stop_daemon (f);
  spawn_daemon (f, &first);
  g_free (f->url);
  f->url = g_strdup (first.url);
  g_assert_true (g_file_get_contents (token_path, &token, NULL, NULL));

  swarm_fake_llm_push_tool_call (f->llm, "run_command", "{\"command\":\"echo before the crash\"}", 10, 10, -1);
  swarm_fake_llm_push_hang (f->llm);
  request (f, "POST", "/api/agents/deploy",
           "{\"agent_name\":\"crashed\",\"agent_type\":\"coder\",\"task_description\":\"t\"}", token, &r);
  g_assert_cmpuint (r.status, ==, 201);
  id = g_strdup (json_str (r.json, "agent_id"));
  g_assert_true (swarm_test_wait_until (llm_hanging, f->llm, 10000));

  /* kill -9: no chance to write anything more. */
  g_subprocess_send_signal (first.process, SIGKILL);
  g_subprocess_wait (first.process, NULL, NULL);

  spawn_daemon (f, &second);
  g_free (f->url);
  f->url = g_strdup (second.url);

  path = g_strdup_printf ("/api/agents/%s", id);
  response_clear (&r);
  request (f, "GET", path, NULL, token, &r);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpstr (json_str (r.json, "status"), ==, "failed");
  g_assert_cmpstr (json_str (r.json, "error_message"), ==, "interrupted: daemon restarted");
  g_assert_cmpstr (json_str (r.json, "name"), ==, "crashed");

  /* The log written before the crash survived. */
  g_free (path);
  path = g_strdup_printf ("/api/agents/%s/logs", id);
  response_clear (&r);
  request (f, "GET", path, NULL, token, &r);
  logs = g_strndup (g_bytes_get_data (r.body, NULL), g_bytes_get_size (r.body));
  g_assert_nonnull (strstr (logs, "before the crash"));
  g_assert_nonnull (strstr (logs, "interrupted: daemon restarted"));

  g_subprocess_send_signal (second.process, SIGTERM);
  g_subprocess_wait (second.process, NULL, NULL);
  g_clear_object (&first.process);
  g_clear_object (&second.process);
  g_free (first.url);
  g_free (second.url);
}

/* Many at once ------------------------------------------------------------------------ */

static void
test_fifty_agents (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  gint64 tokens = 0;

  swarm_fake_llm_set_delay_ms (f->llm, 20);
  swarm_fake_llm_set_fallback_tool_call (f->llm, "finish", "{\"result\":\"done\",\"success\":true}", 70, 30);

  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"agent_name\":\"swarm-%02u\",\"agent_type\":\"analyst\","
                                               "\"task_description\":\"part %u\"}", i, i);
      g_ptr_array_add (ids, deploy (f, body));
    }

  for (guint i = 0; i < ids->len; i++)
    wait_status (f, g_ptr_array_index (ids, i), SWARM_AGENT_STATUS_COMPLETED, 30000);

  for (guint i = 0; i < ids->len; i++)
    tokens += agent_of (f, g_ptr_array_index (ids, i))->tokens_used;

  g_assert_cmpint (tokens, ==, 50 * 100);
  g_assert_cmpuint (swarm_fake_llm_get_n_requests (f->llm), ==, 50);
  g_assert_cmpuint (swarmd_daemon_get_n_agents (f->daemon), ==, 50);
}

/* The app's client against the real daemon ------------------------------------------- */

static void
test_client_integration (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(SwarmDeployRequest) request_ = swarm_deploy_request_new ();
  g_autoptr(SwarmDeployResult) deployed = NULL;
  g_autoptr(GPtrArray) agents = NULL;
  g_autoptr(SwarmAgent) agent = NULL;
  g_autoptr(SwarmAgent) terminated = NULL;
  g_autoptr(SwarmLogPage) page = NULL;
  g_autoptr(SwarmHealth) health = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *field = NULL;

  swarm_fake_llm_push_hang (f->llm);

  swarm_client_health_async (f->client, NULL, swarm_test_store_result_cb, &f->result);
  result = swarm_test_wait_result (&f->result);
  health = swarm_client_health_finish (f->client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (health->name, ==, "swarmyardd");
  g_assert_true (health->llm_configured);
  g_clear_object (&result);

  request_->name = g_strdup ("via-client");
  request_->agent_type = g_strdup ("researcher");
  request_->task_description = g_strdup ("Find things");
  swarm_deploy_request_add_env (request_, "TOKEN_X", "abcdef-123");
  swarm_client_deploy_async (f->client, request_, NULL, swarm_test_store_result_cb, &f->result);
  result = swarm_test_wait_result (&f->result);
  deployed = swarm_client_deploy_finish (f->client, result, &field, &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  swarm_client_list_agents_async (f->client, NULL, swarm_test_store_result_cb, &f->result);
  result = swarm_test_wait_result (&f->result);
  agents = swarm_client_list_agents_finish (f->client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (agents->len, ==, 1);
  g_clear_object (&result);

  swarm_client_get_agent_async (f->client, deployed->agent_id, NULL, swarm_test_store_result_cb, &f->result);
  result = swarm_test_wait_result (&f->result);
  agent = swarm_client_get_agent_finish (f->client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (swarm_agent_get_sandbox_driver (agent), ==, "local");
  g_clear_object (&result);

  /* Same name again: the server's sentence and field reach the client. */
  swarm_client_deploy_async (f->client, request_, NULL, swarm_test_store_result_cb, &f->result);
  result = swarm_test_wait_result (&f->result);
  g_assert_null (swarm_client_deploy_finish (f->client, result, &field, &error));
  g_assert_error (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_NAME_TAKEN);
  g_assert_cmpstr (field, ==, "agent_name");
  g_clear_error (&error);
  g_clear_object (&result);

  wait_status (f, deployed->agent_id, SWARM_AGENT_STATUS_RUNNING, 5000);
  swarm_client_terminate_async (f->client, deployed->agent_id, NULL, swarm_test_store_result_cb, &f->result);
  result = swarm_test_wait_result (&f->result);
  g_assert_true (swarm_client_terminate_finish (f->client, result, &terminated, &error));
  g_assert_cmpint (swarm_agent_get_status (terminated), ==, SWARM_AGENT_STATUS_FAILED);
  g_clear_object (&result);

  swarm_client_get_logs_async (f->client, deployed->agent_id, -1, 0, 200, NULL, swarm_test_store_result_cb, &f->result);
  result = swarm_test_wait_result (&f->result);
  page = swarm_client_get_logs_finish (f->client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->entries->len, >=, 2);
  g_clear_object (&result);

  swarm_client_destroy_async (f->client, deployed->agent_id, NULL, swarm_test_store_result_cb, &f->result);
  result = swarm_test_wait_result (&f->result);
  g_assert_true (swarm_client_destroy_finish (f->client, result, &error));
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  /* The LLM key comes from the environment; the tests set their own. */
  g_unsetenv ("SWARMYARD_LLM_API_KEY");
  g_unsetenv ("OPENROUTER_API_KEY");

#define ADD(path, func) g_test_add ("/swarm/daemon/" path, Fixture, NULL, set_up, func, tear_down)
  ADD ("contract/seed-examples", test_seed_examples);
  ADD ("contract/auth", test_auth);
  ADD ("contract/preflight", test_preflight);
  ADD ("contract/payload-too-large", test_too_large);
  ADD ("contract/error-codes", test_error_codes);
  ADD ("contract/llm-not-configured", test_llm_not_configured);
  ADD ("contract/sandbox-failed", test_sandbox_failed);
  ADD ("listen-rules", test_listen_rules);
  ADD ("runner/coder-completes", test_coder_completes);
  ADD ("runner/configured-prices", test_configured_prices);
  ADD ("runner/key-from-keyring", test_key_from_keyring);
  ADD ("runner/malformed-calls", test_malformed_calls);
  ADD ("runner/corrected-then-fine", test_corrected_then_fine);
  ADD ("runner/rate-limited-then-ok", test_rate_limited_then_ok);
  ADD ("runner/llm-refuses", test_unauthorized_key);
  ADD ("runner/max-steps", test_max_steps);
  ADD ("runner/max-cost", test_max_cost);
  ADD ("runner/agent-timeout", test_agent_timeout);
  ADD ("runner/terminate-mid-llm", test_terminate_mid_llm);
  ADD ("runner/terminate-mid-command", test_terminate_mid_command);
  ADD ("bwrap/read-only-system", test_bwrap_readonly_system);
  ADD ("bwrap/network", test_bwrap_network);
  ADD ("bwrap/env-secret", test_env_secret);
  ADD ("bwrap/command-limits", test_command_limits);
  ADD ("bwrap/command-timeout", test_command_timeout);
  ADD ("restart-after-kill", test_restart_after_kill);
  ADD ("fifty-agents", test_fifty_agents);
  ADD ("client-integration", test_client_integration);
#undef ADD

  return g_test_run ();
}
