/* test-deploy-request.c — every rule of the deploy body, and its JSON
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "swarm-core.h"

static SwarmDeployRequest *
valid_request (void)
{
  SwarmDeployRequest *request = swarm_deploy_request_new ();

  request->name = g_strdup ("api-endpoint-analyzer");
  request->agent_type = g_strdup ("researcher");
  request->task_description = g_strdup ("Analyze REST API endpoints");
  g_free (request->template_id);
  request->template_id = g_strdup ("nodejs");
  swarm_deploy_request_add_env (request, "API_URL", "https://api.example.com");
  request->capabilities = g_strsplit ("api_analysis security_audit", " ", -1);
  request->timeout = 3600;

  return request;
}

static void
assert_invalid (SwarmDeployRequest *request,
                SwarmDeployError    code)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (swarm_deploy_request_validate (request, &error));
  g_assert_error (error, SWARM_DEPLOY_ERROR, (int) code);
  g_assert_nonnull (swarm_deploy_error_get_field (code));
  g_test_message ("%s: %s", swarm_deploy_error_get_field (code), error->message);
}

static void
test_valid (void)
{
  g_autoptr(SwarmDeployRequest) request = valid_request ();
  g_autoptr(GError) error = NULL;

  g_assert_true (swarm_deploy_request_validate (request, &error));
  g_assert_no_error (error);
}

static void
test_seed_body (void)
{
  g_autoptr(SwarmDeployRequest) request = valid_request ();
  g_autofree char *data = swarm_deploy_request_to_data (request, NULL);

  /* The seed's curl example, member for member and in its order. */
  g_assert_cmpstr (data, ==,
                   "{\"agent_name\":\"api-endpoint-analyzer\",\"agent_type\":\"researcher\","
                   "\"task_description\":\"Analyze REST API endpoints\",\"template\":\"nodejs\","
                   "\"environment\":{\"API_URL\":\"https://api.example.com\"},"
                   "\"capabilities\":[\"api_analysis\",\"security_audit\"],"
                   "\"config\":{\"timeout\":3600}}");
}

static void
test_advanced_body (void)
{
  g_autoptr(SwarmDeployRequest) request = valid_request ();
  g_autofree char *data = NULL;

  request->model = g_strdup ("openai/gpt-4o-mini");
  request->max_steps = 12;
  request->max_cost_usd = 0.25;
  data = swarm_deploy_request_to_data (request, NULL);

  g_assert_nonnull (strstr (data, "\"config\":{\"timeout\":3600,\"model\":\"openai/gpt-4o-mini\","
                                  "\"max_steps\":12,\"max_cost_usd\":0.25"));
}

static void
test_name (void)
{
  static const char * const good[] = { "a", "api-researcher-01", "A.b_c-D", NULL };
  static const char * const bad[] = { "", "has space", "ünï", "semi;colon", "slash/name", NULL };
  g_autofree char *longest = g_strnfill (64, 'x');
  g_autofree char *too_long = g_strnfill (65, 'x');

  for (guint i = 0; good[i]; i++)
    g_assert_true (swarm_deploy_validate_name (good[i], NULL));
  for (guint i = 0; bad[i]; i++)
    g_assert_false (swarm_deploy_validate_name (bad[i], NULL));
  g_assert_false (swarm_deploy_validate_name (NULL, NULL));
  g_assert_true (swarm_deploy_validate_name (longest, NULL));
  g_assert_false (swarm_deploy_validate_name (too_long, NULL));

  {
    g_autoptr(SwarmDeployRequest) request = valid_request ();

    g_free (request->name);
    request->name = g_strdup ("bad name");
    assert_invalid (request, SWARM_DEPLOY_ERROR_NAME);
  }
}

static void
test_agent_type (void)
{
  static const char * const good[] = { "researcher", "coder", "analyst", "tester",
                                       "x", "my_type-2", "abcdefghijklmnopqrstuvwxyz012345", NULL };
  static const char * const bad[] = { "", "Coder", "1abc", "_x", "a b", "abcdefghijklmnopqrstuvwxyz0123456",
                                      "tÿpe", NULL };

  for (guint i = 0; good[i]; i++)
    g_assert_true (swarm_deploy_validate_agent_type (good[i], NULL));
  for (guint i = 0; bad[i]; i++)
    g_assert_false (swarm_deploy_validate_agent_type (bad[i], NULL));

  {
    g_autoptr(SwarmDeployRequest) request = valid_request ();

    g_free (request->agent_type);
    request->agent_type = g_strdup ("Bad");
    assert_invalid (request, SWARM_DEPLOY_ERROR_AGENT_TYPE);
  }
}

static void
test_task (void)
{
  g_autoptr(GString) max = g_string_new (NULL);
  g_autoptr(SwarmDeployRequest) request = valid_request ();

  /* 8,000 characters, counted as characters, not bytes. */
  for (guint i = 0; i < 8000; i++)
    g_string_append (max, "é");
  g_assert_true (swarm_deploy_validate_task (max->str, NULL));
  g_string_append (max, "x");
  g_assert_false (swarm_deploy_validate_task (max->str, NULL));

  g_assert_true (swarm_deploy_validate_task ("x", NULL));
  g_assert_false (swarm_deploy_validate_task ("", NULL));
  g_assert_false (swarm_deploy_validate_task ("  \n\t ", NULL));
  g_assert_false (swarm_deploy_validate_task ("bad \xff utf8", NULL));

  g_free (request->task_description);
  request->task_description = g_strdup ("");
  assert_invalid (request, SWARM_DEPLOY_ERROR_TASK);
}

static void
test_template (void)
{
  static const char * const good[] = { "base", "nodejs", "python", "react", "rki5dems9wqfm4r03t7g",
                                       "my-template", "team/name:tag", "team/name", "name:v1.2", NULL };
  static const char * const bad[] = { "", "Base", "-x", "a b", "team/", "/name", "name:", "a/b/c", NULL };

  for (guint i = 0; good[i]; i++)
    g_assert_true (swarm_deploy_validate_template (good[i], NULL));
  for (guint i = 0; bad[i]; i++)
    g_assert_false (swarm_deploy_validate_template (bad[i], NULL));

  {
    g_autoptr(SwarmDeployRequest) request = valid_request ();

    g_free (request->template_id);
    request->template_id = g_strdup ("No Such");
    assert_invalid (request, SWARM_DEPLOY_ERROR_TEMPLATE);
  }
}

static void
test_environment (void)
{
  static const char * const good[] = { "A", "_", "API_URL", "a1_B2", NULL };
  static const char * const bad[] = { "", "1A", "A-B", "A B", "Ä", NULL };

  for (guint i = 0; good[i]; i++)
    g_assert_true (swarm_deploy_validate_env_key (good[i], NULL));
  for (guint i = 0; bad[i]; i++)
    g_assert_false (swarm_deploy_validate_env_key (bad[i], NULL));

  {
    g_autoptr(SwarmDeployRequest) request = valid_request ();

    swarm_deploy_request_add_env (request, "API_URL", "again");
    assert_invalid (request, SWARM_DEPLOY_ERROR_ENVIRONMENT);
  }

  {
    g_autoptr(SwarmDeployRequest) request = valid_request ();

    for (guint i = 0; i < 63; i++)
      {
        g_autofree char *key = g_strdup_printf ("K%u", i);
        swarm_deploy_request_add_env (request, key, "v");
      }
    g_assert_true (swarm_deploy_request_validate (request, NULL));   /* 64 */
    swarm_deploy_request_add_env (request, "ONE_MORE", "v");
    assert_invalid (request, SWARM_DEPLOY_ERROR_ENVIRONMENT);        /* 65 */
  }

  {
    g_autoptr(SwarmDeployRequest) request = valid_request ();

    swarm_deploy_request_add_env (request, "bad-key", "v");
    assert_invalid (request, SWARM_DEPLOY_ERROR_ENVIRONMENT);
  }
}

static void
test_capabilities (void)
{
  g_auto(GStrv) split = swarm_deploy_split_capabilities (" api_analysis,security_audit ,, x1 ");

  g_assert_cmpuint (g_strv_length (split), ==, 3);
  g_assert_cmpstr (split[2], ==, "x1");

  g_assert_true (swarm_deploy_validate_capability ("api_analysis", NULL));
  g_assert_false (swarm_deploy_validate_capability ("Api", NULL));
  g_assert_false (swarm_deploy_validate_capability ("a-b", NULL));
  g_assert_false (swarm_deploy_validate_capability ("", NULL));

  {
    g_autoptr(SwarmDeployRequest) request = valid_request ();

    g_strfreev (request->capabilities);
    request->capabilities = g_strsplit ("a a", " ", -1);
    assert_invalid (request, SWARM_DEPLOY_ERROR_CAPABILITIES);
  }

  {
    g_autoptr(SwarmDeployRequest) request = valid_request ();

    g_strfreev (request->capabilities);
    request->capabilities = g_strsplit ("ok Not-ok", " ", -1);
    assert_invalid (request, SWARM_DEPLOY_ERROR_CAPABILITIES);
  }
}

static void
test_timeout_and_advanced (void)
{
  g_assert_true (swarm_deploy_validate_timeout (1, NULL));
  g_assert_true (swarm_deploy_validate_timeout (86400, NULL));
  g_assert_false (swarm_deploy_validate_timeout (0, NULL));
  g_assert_false (swarm_deploy_validate_timeout (86401, NULL));
  g_assert_false (swarm_deploy_validate_timeout (-1, NULL));

  g_assert_true (swarm_deploy_validate_model (NULL, NULL));
  g_assert_true (swarm_deploy_validate_model ("openai/gpt-4o-mini", NULL));
  g_assert_false (swarm_deploy_validate_model ("two words", NULL));
  g_assert_false (swarm_deploy_validate_model ("", NULL));

  g_assert_true (swarm_deploy_validate_max_steps (0, NULL));
  g_assert_true (swarm_deploy_validate_max_steps (1000, NULL));
  g_assert_false (swarm_deploy_validate_max_steps (1001, NULL));
  g_assert_false (swarm_deploy_validate_max_steps (-1, NULL));

  g_assert_true (swarm_deploy_validate_max_cost (0, NULL));
  g_assert_true (swarm_deploy_validate_max_cost (0.01, NULL));
  g_assert_false (swarm_deploy_validate_max_cost (-0.01, NULL));
  g_assert_false (swarm_deploy_validate_max_cost (1e9, NULL));

  {
    g_autoptr(SwarmDeployRequest) request = valid_request ();

    request->timeout = 0;
    assert_invalid (request, SWARM_DEPLOY_ERROR_TIMEOUT);
    request->timeout = 60;
    request->max_steps = 5000;
    assert_invalid (request, SWARM_DEPLOY_ERROR_MAX_STEPS);
    request->max_steps = 5;
    request->max_cost_usd = -3;
    assert_invalid (request, SWARM_DEPLOY_ERROR_MAX_COST);
    request->max_cost_usd = 0;
    request->model = g_strdup ("bad model");
    assert_invalid (request, SWARM_DEPLOY_ERROR_MODEL);
    g_clear_pointer (&request->model, g_free);
    request->sandbox_driver = g_strdup ("docker");
    assert_invalid (request, SWARM_DEPLOY_ERROR_SANDBOX_DRIVER);
  }
}

static SwarmDeployRequest *
parse (const char  *json,
       GError     **error)
{
  g_autoptr(GBytes) bytes = g_bytes_new (json, strlen (json));
  g_autoptr(JsonNode) node = swarm_json_parse_bytes (bytes, error);

  if (node == NULL)
    return NULL;

  return swarm_deploy_request_from_node (node, error);
}

static void
test_from_json (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SwarmDeployRequest) seed = NULL;
  g_autoptr(SwarmDeployRequest) minimal = NULL;
  g_autoptr(SwarmDeployRequest) bad = NULL;
  g_autofree char *again = NULL;

  seed = parse ("{\"agent_name\":\"api-endpoint-analyzer\",\"agent_type\":\"researcher\","
                "\"task_description\":\"Analyze REST API endpoints\",\"template\":\"nodejs\","
                "\"environment\":{\"API_URL\":\"https://api.example.com\"},"
                "\"capabilities\":[\"api_analysis\",\"security_audit\"],"
                "\"config\":{\"timeout\":3600}}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (seed->name, ==, "api-endpoint-analyzer");
  g_assert_cmpstr (g_ptr_array_index (seed->env_values, 0), ==, "https://api.example.com");
  again = swarm_deploy_request_to_data (seed, NULL);
  g_assert_nonnull (strstr (again, "\"template\":\"nodejs\""));

  minimal = parse ("{\"agent_name\":\"m\",\"agent_type\":\"coder\",\"task_description\":\"t\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (minimal->template_id, ==, "base");
  g_assert_cmpint (minimal->timeout, ==, 3600);

  bad = parse ("{\"agent_name\":\"m\",\"agent_type\":\"coder\",\"task_description\":\"t\","
               "\"config\":{\"timeout\":\"soon\"}}", &error);
  g_assert_null (bad);
  g_assert_error (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_TIMEOUT);
  g_clear_error (&error);

  bad = parse ("{\"agent_type\":\"coder\",\"task_description\":\"t\"}", &error);
  g_assert_error (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_NAME);
  g_clear_error (&error);

  bad = parse ("{\"agent_name\":\"m\",\"agent_type\":\"coder\",\"task_description\":\"t\","
               "\"environment\":{\"A\":5}}", &error);
  g_assert_error (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_ENVIRONMENT);
  g_clear_error (&error);

  bad = parse ("{\"agent_name\":\"m\",\"agent_type\":\"coder\",\"task_description\":\"t\","
               "\"config\":{\"max_steps\":0}}", &error);
  g_assert_error (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_MAX_STEPS);
  g_clear_error (&error);

  bad = parse ("[1]", &error);
  g_assert_error (error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_INVALID_JSON);
}

static void
test_fields (void)
{
  SwarmDeployError code;

  g_assert_cmpstr (swarm_deploy_error_get_field (SWARM_DEPLOY_ERROR_NAME), ==, "agent_name");
  g_assert_cmpstr (swarm_deploy_error_get_field (SWARM_DEPLOY_ERROR_MAX_COST), ==, "config.max_cost_usd");
  g_assert_true (swarm_deploy_error_from_field ("config.timeout", &code));
  g_assert_cmpint (code, ==, SWARM_DEPLOY_ERROR_TIMEOUT);
  g_assert_true (swarm_deploy_error_from_field ("timeout", &code));
  g_assert_cmpint (code, ==, SWARM_DEPLOY_ERROR_TIMEOUT);
  g_assert_true (swarm_deploy_error_from_field ("environment.API_URL", &code));
  g_assert_cmpint (code, ==, SWARM_DEPLOY_ERROR_ENVIRONMENT);
  g_assert_true (swarm_deploy_error_from_field ("agent_name", &code));
  g_assert_cmpint (code, ==, SWARM_DEPLOY_ERROR_NAME);
  g_assert_false (swarm_deploy_error_from_field ("nonsense", &code));
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/swarm/deploy-request/valid", test_valid);
  g_test_add_func ("/swarm/deploy-request/seed-body", test_seed_body);
  g_test_add_func ("/swarm/deploy-request/advanced-body", test_advanced_body);
  g_test_add_func ("/swarm/deploy-request/name", test_name);
  g_test_add_func ("/swarm/deploy-request/agent-type", test_agent_type);
  g_test_add_func ("/swarm/deploy-request/task", test_task);
  g_test_add_func ("/swarm/deploy-request/template", test_template);
  g_test_add_func ("/swarm/deploy-request/environment", test_environment);
  g_test_add_func ("/swarm/deploy-request/capabilities", test_capabilities);
  g_test_add_func ("/swarm/deploy-request/timeout-and-advanced", test_timeout_and_advanced);
  g_test_add_func ("/swarm/deploy-request/from-json", test_from_json);
  g_test_add_func ("/swarm/deploy-request/fields", test_fields);

  return g_test_run ();
}
