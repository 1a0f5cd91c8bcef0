/* test-client.c — SwarmClient against an in-process backend
 *
 * Every endpoint, every error code of the contract, a refused connection,
 * a server that never answers, one that trickles a byte a second (the
 * whole-exchange deadline must fire), and 100 MiB bodies (reading stops).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "swarm-agent-private.h"
#include "swarm-core.h"
#include "swarm-fake-backend.h"
#include "swarm-test-utils.h"

typedef struct
{
  SwarmFakeBackend *backend;
  SwarmClient      *client;
  GAsyncResult     *result;
} Fixture;

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  f->backend = swarm_fake_backend_new (0);
  swarm_fake_backend_set_token (f->backend, "test-token-1234");
  f->client = swarm_client_new (swarm_fake_backend_get_url (f->backend));
  swarm_client_set_token (f->client, "test-token-1234");
  swarm_client_set_timeout_ms (f->client, 2000);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  g_assert_null (f->result);
  swarm_test_assert_finalize_soon (f->client);
  g_assert_finalize_object (f->backend);
}

static GPtrArray *
list_agents (Fixture  *f,
             GError  **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  swarm_client_list_agents_async (f->client, NULL, swarm_test_store_result_cb, &f->result);
  result = swarm_test_wait_result (&f->result);
  return swarm_client_list_agents_finish (f->client, result, error);
}

static void
test_new_destroy (void)
{
  SwarmClient *client = swarm_client_new ("http://example.com:1234/");
  g_autofree char *url = NULL;
  guint timeout = 0;

  g_assert_cmpstr (swarm_client_get_base_url (client), ==, "http://example.com:1234");
  g_object_get (client, "base-url", &url, "timeout-ms", &timeout, NULL);
  g_assert_cmpstr (url, ==, "http://example.com:1234");
  g_assert_cmpuint (timeout, ==, 5000);
  g_assert_false (swarm_client_has_token (client));
  swarm_client_set_token (client, "x");
  g_assert_true (swarm_client_has_token (client));
  g_assert_finalize_object (client);
}

static void
on_notify_cb (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_notify (void)
{
  g_autoptr(SwarmClient) client = swarm_client_new ("http://a:1");
  guint count = 0;

  g_signal_connect (client, "notify::base-url", G_CALLBACK (on_notify_cb), &count);
  swarm_client_set_base_url (client, "http://a:1/");   /* the same once normalised */
  g_assert_cmpuint (count, ==, 0);
  swarm_client_set_base_url (client, "http://b:2");
  g_assert_cmpuint (count, ==, 1);
}

static void
test_list (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) agents = NULL;
  SwarmAgent *served;
  SwarmAgent *agent;

  served = swarm_fake_backend_add_agent (f->backend, "a1", "first", SWARM_AGENT_STATUS_RUNNING);
  served->tokens_used = 1500;
  served->cost_usd = 0.15;
  swarm_fake_backend_add_agent (f->backend, "a2", "second", SWARM_AGENT_STATUS_COMPLETED);

  agents = list_agents (f, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (agents->len, ==, 2);
  agent = g_ptr_array_index (agents, 0);
  g_assert_cmpstr (swarm_agent_get_name (agent), ==, "first");
  g_assert_cmpint (swarm_agent_get_tokens_used (agent), ==, 1500);
  g_assert_cmpint (swarm_agent_get_status (g_ptr_array_index (agents, 1)), ==, SWARM_AGENT_STATUS_COMPLETED);

  g_assert_cmpstr (swarm_fake_backend_get_last_authorization (f->backend), ==, "Bearer test-token-1234");
  g_assert_cmpuint (swarm_fake_backend_count_requests (f->backend, "GET /api/agents"), ==, 1);
}

static void
test_list_large (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) agents = NULL;

  /* Well over 100 KiB: parsed in a worker thread. */
  swarm_fake_backend_add_sample_agents (f->backend, 3000, 7);
  agents = list_agents (f, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (agents->len, ==, 3000);
}

static void
test_get (Fixture       *f,
          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SwarmAgent) agent = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  SwarmAgent *served = swarm_fake_backend_add_agent (f->backend, "id with space", "n", SWARM_AGENT_STATUS_RUNNING);
  g_autofree char *long_result = g_strnfill (5000, 'r');

  served->result = g_strdup (long_result);

  swarm_client_get_agent_async (f->client, "id with space", NULL, swarm_test_store_result_cb, &f->result);
  result = swarm_test_wait_result (&f->result);
  agent = swarm_client_get_agent_finish (f->client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (swarm_agent_get_id (agent), ==, "id with space");
  /* The full form has the whole result. */
  g_assert_cmpstr (swarm_agent_get_result (agent), ==, long_result);
  g_assert_false (swarm_agent_get_result_truncated (agent));
  g_assert_cmpuint (swarm_fake_backend_count_requests (f->backend, "GET /api/agents/id with space"), ==, 1);
}

static void
test_get_not_found (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SwarmAgent) agent = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  swarm_client_get_agent_async (f->client, "missing", NULL, swarm_test_store_result_cb, &f->result);
  result = swarm_test_wait_result (&f->result);
  agent = swarm_client_get_agent_finish (f->client, result, &error);
  g_assert_null (agent);
  g_assert_error (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "There is no agent with this id.");
}

static SwarmDeployRequest *
seed_request (void)
{
  SwarmDeployRequest *request = swarm_deploy_request_new ();

  request->name = g_strdup ("api-endpoint-analyzer");
  request->agent_type = g_strdup ("researcher");
  request->task_description = g_strdup ("Analyze REST API endpoints");
  swarm_set_str (&request->template_id, "nodejs");
  swarm_deploy_request_add_env (request, "API_URL", "https://api.example.com");
  request->capabilities = g_strsplit ("api_analysis security_audit", " ", -1);
  return request;
}

static void
test_deploy (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(SwarmDeployRequest) request = seed_request ();
  g_autoptr(SwarmDeployResult) deployed = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *field = NULL;
  SwarmAgent *agent;

  swarm_client_deploy_async (f->client, request, NULL, swarm_test_store_result_cb, &f->result);
  result = swarm_test_wait_result (&f->result);
  deployed = swarm_client_deploy_finish (f->client, result, &field, &error);
  g_assert_no_error (error);
  g_assert_null (field);
  g_assert_cmpstr (deployed->status, ==, "pending");
  g_assert_true (g_str_has_prefix (deployed->sandbox_id, "fake-"));

  g_assert_cmpstr (swarm_fake_backend_get_last_body (f->backend), ==,
                   "{\"agent_name\":\"api-endpoint-analyzer\",\"agent_type\":\"researcher\","
                   "\"task_description\":\"Analyze REST API endpoints\",\"template\":\"nodejs\","
                   "\"environment\":{\"API_URL\":\"https://api.example.com\"},"
                   "\"capabilities\":[\"api_analysis\",\"security_audit\"],"
                   "\"config\":{\"timeout\":3600}}");

  agent = swarm_fake_backend_lookup (f->backend, deployed->agent_id);
  g_assert_nonnull (agent);
  g_assert_cmpstr (swarm_agent_get_name (agent), ==, "api-endpoint-analyzer");
}

static void
test_deploy_invalid_field (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(SwarmDeployRequest) request = seed_request ();
  g_autoptr(SwarmDeployResult) deployed = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *field = NULL;

  swarm_fake_backend_fail (f->backend, "POST", "/api/agents/deploy", 400, "invalid_field",
                           "The task mentions a forbidden host.", "task_description", 1);

  swarm_client_deploy_async (f->client, request, NULL, swarm_test_store_result_cb, &f->result);
  result = swarm_test_wait_result (&f->result);
  deployed = swarm_client_deploy_finish (f->client, result, &field, &error);
  g_assert_null (deployed);
  g_assert_error (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_INVALID_REQUEST);
  g_assert_cmpstr (error->message, ==, "The task mentions a forbidden host.");
  g_assert_cmpstr (field, ==, "task_description");
}

static void
test_deploy_name_taken (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(SwarmDeployRequest) request = seed_request ();
  g_autoptr(SwarmDeployResult) deployed = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *field = NULL;

  swarm_fake_backend_add_agent (f->backend, "x", "api-endpoint-analyzer", SWARM_AGENT_STATUS_RUNNING);

  swarm_client_deploy_async (f->client, request, NULL, swarm_test_store_result_cb, &f->result);
  result = swarm_test_wait_result (&f->result);
  deployed = swarm_client_deploy_finish (f->client, result, &field, &error);
  g_assert_error (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_NAME_TAKEN);
  g_assert_cmpstr (error->message, ==, "An agent named “api-endpoint-analyzer” already exists.");
  g_assert_cmpstr (field, ==, "agent_name");
}

static void
test_terminate (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SwarmAgent) agent = NULL;

  swarm_fake_backend_add_agent (f->backend, "t1", "victim", SWARM_AGENT_STATUS_RUNNING);

  swarm_client_terminate_async (f->client, "t1", NULL, swarm_test_store_result_cb, &f->result);
  result = swarm_test_wait_result (&f->result);
  g_assert_true (swarm_client_terminate_finish (f->client, result, &agent, &error));
  g_assert_no_error (error);
  g_assert_cmpint (swarm_agent_get_status (agent), ==, SWARM_AGENT_STATUS_FAILED);
  g_assert_cmpstr (swarm_agent_get_error_message (agent), ==, "terminated by user");
  g_assert_cmpuint (swarm_fake_backend_count_requests (f->backend,
                                                       "DELETE /api/agents/t1?terminate_only=true"), ==, 1);
  g_clear_object (&result);

  /* Again: already ended. */
  swarm_client_terminate_async (f->client, "t1", NULL, swarm_test_store_result_cb, &f->result);
  result = swarm_test_wait_result (&f->result);
  g_assert_false (swarm_client_terminate_finish (f->client, result, NULL, &error));
  g_assert_error (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_ALREADY_ENDED);
}

static void
test_terminate_seed_reply (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SwarmAgent *agent = NULL;

  /* A seed-style server may answer anything; 2xx still means it worked. */
  swarm_fake_backend_override (f->backend, "DELETE", "/api/agents/t1", 200,
                               "{\"message\":\"terminated\"}", NULL, NULL, 1);
  swarm_client_terminate_async (f->client, "t1", NULL, swarm_test_store_result_cb, &f->result);
  result = swarm_test_wait_result (&f->result);
  g_assert_true (swarm_client_terminate_finish (f->client, result, &agent, &error));
  g_assert_no_error (error);
  g_assert_null (agent);
}

static void
test_destroy (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  swarm_fake_backend_add_agent (f->backend, "d1", "doomed", SWARM_AGENT_STATUS_COMPLETED);

  swarm_client_destroy_async (f->client, "d1", NULL, swarm_test_store_result_cb, &f->result);
  result = swarm_test_wait_result (&f->result);
  g_assert_true (swarm_client_destroy_finish (f->client, result, &error));
  g_assert_no_error (error);
  g_assert_null (swarm_fake_backend_lookup (f->backend, "d1"));
  g_assert_cmpuint (swarm_fake_backend_count_requests (f->backend, "DELETE /api/agents/d1"), ==, 1);
  g_assert_cmpuint (swarm_fake_backend_count_requests (f->backend, "DELETE /api/agents/d1?"), ==, 0);
  g_clear_object (&result);

  swarm_client_destroy_async (f->client, "d1", NULL, swarm_test_store_result_cb, &f->result);
  result = swarm_test_wait_result (&f->result);
  g_assert_false (swarm_client_destroy_finish (f->client, result, &error));
  g_assert_error (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_NOT_FOUND);
}

static SwarmLogPage *
get_logs (Fixture     *f,
          const char  *id,
          gint64       after,
          guint        limit,
          guint        tail,
          GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  swarm_client_get_logs_async (f->client, id, after, limit, tail, NULL,
                               swarm_test_store_result_cb, &f->result);
  result = swarm_test_wait_result (&f->result);
  return swarm_client_get_logs_finish (f->client, result, error);
}

static void
test_logs (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SwarmLogPage) all = NULL;
  g_autoptr(SwarmLogPage) after = NULL;
  g_autoptr(SwarmLogPage) tail = NULL;
  g_autoptr(SwarmLogPage) none = NULL;

  swarm_fake_backend_add_agent (f->backend, "l1", "logger", SWARM_AGENT_STATUS_RUNNING);
  for (guint i = 1; i <= 5; i++)
    {
      g_autofree char *text = g_strdup_printf ("line %u", i);
      swarm_fake_backend_add_log (f->backend, "l1", SWARM_LOG_KIND_OUTPUT, text);
    }

  all = get_logs (f, "l1", -1, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->entries->len, ==, 5);
  g_assert_cmpint (all->next, ==, 5);

  after = get_logs (f, "l1", 2, 2, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (after->entries->len, ==, 2);
  g_assert_cmpstr (((SwarmLogEntry *) g_ptr_array_index (after->entries, 0))->text, ==, "line 3");
  g_assert_cmpint (after->next, ==, 4);

  tail = get_logs (f, "l1", -1, 0, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tail->entries->len, ==, 2);
  g_assert_cmpstr (((SwarmLogEntry *) g_ptr_array_index (tail->entries, 0))->text, ==, "line 4");

  g_assert_cmpuint (swarm_fake_backend_count_requests (f->backend, "GET /api/agents/l1/logs?after=2&limit=2"), ==, 1);
  g_assert_cmpuint (swarm_fake_backend_count_requests (f->backend, "GET /api/agents/l1/logs?tail=2"), ==, 1);

  /* A seed backend has no logs: a bare 404 means “no such endpoint”. */
  swarm_fake_backend_set_seed_only (f->backend, TRUE);
  none = get_logs (f, "l1", -1, 0, 0, &error);
  g_assert_null (none);
  g_assert_error (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_NO_ROUTE);
}

static void
test_health (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SwarmHealth) health = NULL;
  g_autoptr(SwarmHealth) public_health = NULL;

  swarm_client_health_async (f->client, NULL, swarm_test_store_result_cb, &f->result);
  result = swarm_test_wait_result (&f->result);
  health = swarm_client_health_finish (f->client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (health->name, ==, "swarmyard-fake-backend");
  g_assert_true (health->has_details);
  g_clear_object (&result);

  swarm_client_set_token (f->client, NULL);
  swarm_client_health_async (f->client, NULL, swarm_test_store_result_cb, &f->result);
  result = swarm_test_wait_result (&f->result);
  public_health = swarm_client_health_finish (f->client, result, &error);
  g_assert_no_error (error);
  g_assert_false (public_health->has_details);
  g_assert_null (swarm_fake_backend_get_last_authorization (f->backend));
}

static void
test_unauthorized (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) agents = NULL;

  swarm_client_set_token (f->client, "wrong-token");
  agents = list_agents (f, &error);
  g_assert_null (agents);
  g_assert_error (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_UNAUTHORIZED);
  g_assert_cmpstr (error->message, ==, "The access token is missing or wrong.");
}

typedef struct
{
  guint             status;
  const char       *code;
  SwarmClientError  expected;
} CodeCase;

static const CodeCase code_cases[] = {
  { 400, "invalid_json", SWARM_CLIENT_ERROR_INVALID_REQUEST },
  { 400, "invalid_field", SWARM_CLIENT_ERROR_INVALID_REQUEST },
  { 400, "template_unavailable", SWARM_CLIENT_ERROR_TEMPLATE_UNAVAILABLE },
  { 401, "unauthorized", SWARM_CLIENT_ERROR_UNAUTHORIZED },
  { 404, "no_route", SWARM_CLIENT_ERROR_NO_ROUTE },
  { 404, "not_found", SWARM_CLIENT_ERROR_NOT_FOUND },
  { 409, "name_taken", SWARM_CLIENT_ERROR_NAME_TAKEN },
  { 409, "already_ended", SWARM_CLIENT_ERROR_ALREADY_ENDED },
  { 413, "payload_too_large", SWARM_CLIENT_ERROR_PAYLOAD_TOO_LARGE },
  { 503, "llm_not_configured", SWARM_CLIENT_ERROR_LLM_NOT_CONFIGURED },
  { 502, "sandbox_failed", SWARM_CLIENT_ERROR_SANDBOX_FAILED },
  { 500, "internal", SWARM_CLIENT_ERROR_SERVER },
  { 429, "rate_limited", SWARM_CLIENT_ERROR_RATE_LIMITED },
};

static void
test_error_codes (Fixture       *f,
                  gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (code_cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) agents = NULL;
      g_autofree char *message = g_strdup_printf ("Server says %s – as-is.", code_cases[i].code);

      swarm_fake_backend_fail (f->backend, "GET", "/api/agents", code_cases[i].status,
                               code_cases[i].code, message, NULL, 1);
      agents = list_agents (f, &error);
      g_assert_null (agents);
      g_assert_error (error, SWARM_CLIENT_ERROR, (int) code_cases[i].expected);
      g_assert_cmpstr (error->message, ==, message);
    }
}

typedef struct
{
  guint             status;
  SwarmClientError  expected;
  const char       *needle;
} StatusCase;

static const StatusCase status_cases[] = {
  { 400, SWARM_CLIENT_ERROR_INVALID_REQUEST, "did not accept" },
  { 401, SWARM_CLIENT_ERROR_UNAUTHORIZED, "refused the access token" },
  { 403, SWARM_CLIENT_ERROR_UNAUTHORIZED, "refused the access token" },
  { 404, SWARM_CLIENT_ERROR_NO_ROUTE, "does not offer" },
  { 413, SWARM_CLIENT_ERROR_PAYLOAD_TOO_LARGE, "too large" },
  { 500, SWARM_CLIENT_ERROR_SERVER, "HTTP 500" },
  { 502, SWARM_CLIENT_ERROR_SERVER, "HTTP 502" },
  { 503, SWARM_CLIENT_ERROR_SERVER, "HTTP 503" },
  { 418, SWARM_CLIENT_ERROR_HTTP, "HTTP 418" },
  { 302, SWARM_CLIENT_ERROR_HTTP, "HTTP 302" },
};

/* Statuses without the contract's body, as a proxy or a seed server sends. */
static void
test_bare_statuses (Fixture       *f,
                    gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (status_cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) agents = NULL;

      swarm_fake_backend_override (f->backend, "GET", "/api/agents", status_cases[i].status,
                                   "<html>oops</html>", NULL, NULL, 1);
      agents = list_agents (f, &error);
      g_assert_null (agents);
      g_assert_error (error, SWARM_CLIENT_ERROR, (int) status_cases[i].expected);
      if (strstr (error->message, status_cases[i].needle) == NULL)
        g_error ("HTTP %u: “%s” lacks “%s”", status_cases[i].status, error->message, status_cases[i].needle);
    }
}

static void
test_retry_after (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) agents = NULL;

  swarm_fake_backend_override (f->backend, "GET", "/api/agents", 429, NULL, "Retry-After", "7", 1);
  agents = list_agents (f, &error);
  g_assert_error (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_RATE_LIMITED);
  g_assert_cmpstr (error->message, ==, "The backend is busy. Try again in 7 seconds.");
}

static void
test_malformed_body (Fixture       *f,
                     gconstpointer  data)
{
  static const char * const bodies[] = {
    "{\"agents\":[{\"id\":\"x\"",
    "{\"agents\":\"none\"}",
    "\xff\xfe{}",
    "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) agents = NULL;

      swarm_fake_backend_override (f->backend, "GET", "/api/agents", 200, bodies[i], NULL, NULL, 1);
      agents = list_agents (f, &error);
      g_assert_null (agents);
      g_assert_error (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_BAD_RESPONSE);
      g_assert_true (g_str_has_prefix (error->message, "The backend sent a reply Swarmyard cannot read."));
    }
}

static void
test_deep_body (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GBytes) deep = swarm_test_load_data ("bad-deep-100000.json");
  g_autofree char *body = g_strndup (g_bytes_get_data (deep, NULL), g_bytes_get_size (deep));
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) agents = NULL;

  swarm_fake_backend_override (f->backend, "GET", "/api/agents", 200, body, NULL, NULL, 1);
  agents = list_agents (f, &error);
  g_assert_error (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_BAD_RESPONSE);
  g_assert_nonnull (strstr (error->message, "nested more than 64 levels"));
}

static SwarmHealth *
health (SwarmClient  *client,
        GError      **error)
{
  g_autoptr(GAsyncResult) slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  swarm_client_health_async (client, NULL, swarm_test_store_result_cb, &slot);
  result = swarm_test_wait_result (&slot);
  return swarm_client_health_finish (client, result, error);
}

/* A self-signed certificate: refused with its fingerprint, which is the
 * one openssl computes; accepted once pinned, for every request (the list
 * runs in a worker thread); another pin does not open the door. */
static void
test_pinned_certificate (void)
{
  g_autofree char *dir = g_dir_make_tmp ("swarm-tls-XXXXXX", NULL);
  g_autofree char *expected = NULL;
  g_autofree char *refused = NULL;
  g_autoptr(GTlsCertificate) certificate = swarm_test_make_certificate (dir, &expected);
  g_autoptr(SwarmFakeBackend) backend = swarm_fake_backend_new_tls (0, certificate);
  g_autoptr(SwarmClient) client = swarm_client_new (swarm_fake_backend_get_url (backend));
  g_autoptr(SwarmHealth) ok = NULL;
  g_autoptr(GPtrArray) agents = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ours = swarm_certificate_fingerprint (certificate);

  g_assert_true (g_str_has_prefix (swarm_fake_backend_get_url (backend), "https://"));
  g_assert_cmpstr (ours, ==, expected);
  swarm_fake_backend_add_agent (backend, "t-1", "tls-agent", SWARM_AGENT_STATUS_RUNNING);

  g_assert_null (health (client, &error));
  g_assert_error (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_UNTRUSTED_CERTIFICATE);
  g_assert_nonnull (strstr (error->message, expected));
  refused = swarm_client_dup_untrusted_certificate (client);
  g_assert_cmpstr (refused, ==, expected);
  g_clear_error (&error);

  swarm_client_set_pinned_certificate (client, "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
                                               "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF");
  g_assert_null (health (client, &error));
  g_assert_error (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_UNTRUSTED_CERTIFICATE);
  g_clear_error (&error);

  swarm_client_set_pinned_certificate (client, expected);
  ok = health (client, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ok->name, ==, "swarmyard-fake-backend");
  {
    g_autoptr(GAsyncResult) slot = NULL;
    g_autoptr(GAsyncResult) result = NULL;

    swarm_client_list_agents_async (client, NULL, swarm_test_store_result_cb, &slot);
    result = swarm_test_wait_result (&slot);
    agents = swarm_client_list_agents_finish (client, result, &error);
  }
  g_assert_no_error (error);
  g_assert_cmpuint (agents->len, ==, 1);

  g_clear_object (&backend);
  {
    g_autofree char *quoted = g_shell_quote (dir);
    g_autofree char *command = g_strdup_printf ("rm -rf %s", quoted);

    g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL);
  }
}

static void
test_refused (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(SwarmClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) slot = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) agents = NULL;
  g_autofree char *url = NULL;

  /* A port that was free a moment ago and has no listener. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_assert_true (g_socket_bind (socket, address, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  url = g_strdup_printf ("http://127.0.0.1:%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  client = swarm_client_new (url);
  swarm_client_list_agents_async (client, NULL, swarm_test_store_result_cb, &slot);
  result = swarm_test_wait_result (&slot);
  agents = swarm_client_list_agents_finish (client, result, &error);
  g_assert_null (agents);
  g_assert_error (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_UNREACHABLE);
  g_assert_nonnull (strstr (error->message, "connection was refused"));
  g_assert_nonnull (strstr (error->message, url));
}

static void
test_hang_deadline (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) agents = NULL;
  gint64 start;

  swarm_client_set_timeout_ms (f->client, 1000);
  swarm_fake_backend_set_mode (f->backend, SWARM_FAKE_MODE_HANG);
  start = g_get_monotonic_time ();
  agents = list_agents (f, &error);
  g_assert_error (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (error->message, "did not answer within 1 s"));
  /* Generous bound: the point is that it ends at all. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
}

static void
test_trickle_deadline (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) agents = NULL;
  gint64 start;

  /* One byte a second keeps every socket read under libsoup's own
   * timeout; only the whole-exchange deadline can end it. */
  swarm_client_set_timeout_ms (f->client, 2500);
  swarm_fake_backend_set_mode (f->backend, SWARM_FAKE_MODE_TRICKLE);
  start = g_get_monotonic_time ();
  agents = list_agents (f, &error);
  g_assert_error (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_TIMED_OUT);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 2400 * 1000);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
}

static void
test_huge_body (Fixture       *f,
                gconstpointer  data)
{
  const SwarmFakeMode modes[] = { SWARM_FAKE_MODE_HUGE_CHUNKED, SWARM_FAKE_MODE_HUGE_DECLARED };

  /* Generous deadline: this is about the size limit, not time. */
  swarm_client_set_timeout_ms (f->client, 60000);

  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) agents = NULL;

      swarm_fake_backend_set_mode (f->backend, modes[i]);
      agents = list_agents (f, &error);
      g_assert_null (agents);
      g_assert_error (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_RESPONSE_TOO_LARGE);
      g_assert_nonnull (strstr (error->message, "larger than 64 MiB"));
    }
}

static void
test_small_limit_positive_control (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) agents = NULL;

  /* The same limit, lowered, stops an ordinary list: the check is live. */
  swarm_fake_backend_add_sample_agents (f->backend, 50, 1);
  agents = list_agents (f, &error);
  g_assert_no_error (error);
  g_clear_pointer (&agents, g_ptr_array_unref);

  swarm_client_set_max_body_size (f->client, 1024);
  agents = list_agents (f, &error);
  g_assert_error (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_RESPONSE_TOO_LARGE);
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) agents = NULL;

  swarm_fake_backend_set_mode (f->backend, SWARM_FAKE_MODE_HANG);
  swarm_client_list_agents_async (f->client, cancellable, swarm_test_store_result_cb, &f->result);
  g_timeout_add (100, cancel_cb, cancellable);
  result = swarm_test_wait_result (&f->result);
  agents = swarm_client_list_agents_finish (f->client, result, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/swarm/client/new-destroy", test_new_destroy);
  g_test_add_func ("/swarm/client/notify", test_notify);
  g_test_add_func ("/swarm/client/refused", test_refused);
  g_test_add_func ("/swarm/client/pinned-certificate", test_pinned_certificate);
#define ADD(path, func) g_test_add ("/swarm/client/" path, Fixture, NULL, set_up, func, tear_down)
  ADD ("list", test_list);
  ADD ("list/large-threaded", test_list_large);
  ADD ("get", test_get);
  ADD ("get/not-found", test_get_not_found);
  ADD ("deploy", test_deploy);
  ADD ("deploy/invalid-field", test_deploy_invalid_field);
  ADD ("deploy/name-taken", test_deploy_name_taken);
  ADD ("terminate", test_terminate);
  ADD ("terminate/seed-reply", test_terminate_seed_reply);
  ADD ("destroy", test_destroy);
  ADD ("logs", test_logs);
  ADD ("health", test_health);
  ADD ("unauthorized", test_unauthorized);
  ADD ("error-codes", test_error_codes);
  ADD ("bare-statuses", test_bare_statuses);
  ADD ("retry-after", test_retry_after);
  ADD ("malformed-body", test_malformed_body);
  ADD ("deep-body", test_deep_body);
  ADD ("deadline/hang", test_hang_deadline);
  ADD ("deadline/trickle", test_trickle_deadline);
  ADD ("huge-body", test_huge_body);
  ADD ("huge-body/positive-control", test_small_limit_positive_control);
  ADD ("cancel", test_cancel);
#undef ADD

  return g_test_run ();
}
