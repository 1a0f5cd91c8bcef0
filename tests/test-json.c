/* test-json.c — the JSON reader against a corpus of good and bad bodies
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "swarm-agent-private.h"
#include "swarm-core.h"
#include "swarm-json-reader.h"
#include "swarm-test-utils.h"

static void
test_seed_list (void)
{
  g_autoptr(GBytes) bytes = swarm_test_load_data ("good-seed-list.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) agents = swarm_json_parse_agent_list (bytes, &error);
  SwarmAgent *agent;
  g_autofree char *created = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (agents->len, ==, 1);

  agent = g_ptr_array_index (agents, 0);
  g_assert_cmpstr (swarm_agent_get_id (agent), ==, "uuid");
  g_assert_cmpstr (swarm_agent_get_name (agent), ==, "agent-name");
  g_assert_cmpstr (swarm_agent_get_agent_type (agent), ==, "researcher");
  g_assert_cmpint (swarm_agent_get_status (agent), ==, SWARM_AGENT_STATUS_RUNNING);
  g_assert_cmpstr (swarm_agent_get_sandbox_id (agent), ==, "sandbox-id");
  g_assert_cmpstr (swarm_agent_get_task_description (agent), ==, "Task details");
  g_assert_cmpint (swarm_agent_get_tokens_used (agent), ==, 1500);
  g_assert_cmpfloat_with_epsilon (swarm_agent_get_cost_usd (agent), 0.15, 1e-12);
  g_assert_cmpint (swarm_agent_get_execution_time_ms (agent), ==, 45000);
  created = swarm_json_format_time (swarm_agent_get_created_at (agent));
  g_assert_cmpstr (created, ==, "2025-11-14T10:00:00Z");
  g_assert_null (swarm_agent_get_completed_at (agent));
  g_assert_null (swarm_agent_get_error_message (agent));
  /* Extensions are optional. */
  g_assert_null (swarm_agent_get_template (agent));
  g_assert_null (swarm_agent_get_capabilities (agent));
  g_assert_null (swarm_agent_get_started_at (agent));
}

static void
test_full_agent (void)
{
  g_autoptr(GBytes) bytes = swarm_test_load_data ("good-full-agent.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(SwarmAgent) agent = swarm_json_parse_agent (bytes, &error);
  const char * const *caps;
  g_autofree char *completed = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (swarm_agent_get_template (agent), ==, "python");
  caps = swarm_agent_get_capabilities (agent);
  g_assert_cmpuint (g_strv_length ((char **) caps), ==, 2);
  g_assert_cmpstr (caps[1], ==, "testing");
  g_assert_cmpint (swarm_agent_get_config_timeout (agent), ==, 3600);
  g_assert_cmpstr (swarm_agent_get_config_model (agent), ==, "openai/gpt-4o-mini");
  g_assert_cmpint (swarm_agent_get_config_max_steps (agent), ==, 30);
  g_assert_cmpfloat_with_epsilon (swarm_agent_get_config_max_cost_usd (agent), 0.5, 1e-12);
  g_assert_cmpint (swarm_agent_get_steps (agent), ==, 7);
  g_assert_cmpstr (swarm_agent_get_result (agent), ==, "Printed 100 lines; all correct. Ünïcödé ✓");
  g_assert_false (swarm_agent_get_result_truncated (agent));
  g_assert_cmpstr (swarm_agent_get_sandbox_driver (agent), ==, "local");
  g_assert_cmpstr (swarm_agent_get_environment_keys (agent)[0], ==, "API_URL");
  g_assert_null (swarm_agent_get_environment (agent));
  completed = swarm_json_format_time (swarm_agent_get_completed_at (agent));
  g_assert_cmpstr (completed, ==, "2025-11-14T10:03:14.250000Z");
  g_assert_cmpint (swarm_agent_get_elapsed_ms (agent), ==, 192000);
}

static void
test_null_sandbox_and_offset (void)
{
  g_autoptr(GBytes) bytes = swarm_test_load_data ("good-pending-null-sandbox.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) agents = swarm_json_parse_agent_list (bytes, &error);
  SwarmAgent *agent;
  g_autofree char *created = NULL;

  g_assert_no_error (error);
  agent = g_ptr_array_index (agents, 0);
  g_assert_null (swarm_agent_get_sandbox_id (agent));
  g_assert_cmpstr (swarm_agent_get_agent_type (agent), ==, "my_custom-type");
  g_assert_cmpint (swarm_agent_get_config_max_steps (agent), ==, 0);
  /* +02:00 is normalised to UTC. */
  created = swarm_json_format_time (swarm_agent_get_created_at (agent));
  g_assert_cmpstr (created, ==, "2025-11-14T08:00:00Z");
}

static void
test_seed_environment (void)
{
  g_autoptr(GBytes) bytes = swarm_test_load_data ("good-seed-environment.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(SwarmAgent) agent = swarm_json_parse_agent (bytes, &error);
  GHashTable *env;

  g_assert_no_error (error);
  env = swarm_agent_get_environment (agent);
  g_assert_nonnull (env);
  g_assert_cmpstr (g_hash_table_lookup (env, "AUTH_TOKEN"), ==, "s3cret-value");
  /* Keys are derived, sorted, from a backend that sends only values. */
  g_assert_cmpstr (swarm_agent_get_environment_keys (agent)[0], ==, "API_URL");
  g_assert_cmpstr (swarm_agent_get_environment_keys (agent)[1], ==, "AUTH_TOKEN");
}

static void
test_records (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) deploy_bytes = swarm_test_load_data ("good-deploy-response.json");
  g_autoptr(GBytes) logs_bytes = swarm_test_load_data ("good-logs.json");
  g_autoptr(GBytes) health_bytes = swarm_test_load_data ("good-health.json");
  g_autoptr(GBytes) public_bytes = swarm_test_load_data ("good-health-public.json");
  g_autoptr(GBytes) empty_bytes = swarm_test_load_data ("good-empty-list.json");
  g_autoptr(SwarmDeployResult) deploy = NULL;
  g_autoptr(SwarmLogPage) logs = NULL;
  g_autoptr(SwarmHealth) health = NULL;
  g_autoptr(SwarmHealth) public_health = NULL;
  g_autoptr(GPtrArray) empty = NULL;
  SwarmLogEntry *last;

  deploy = swarm_json_parse_deploy_result (deploy_bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (deploy->agent_id, ==, "550e8400-e29b-41d4-a716-446655440000");
  g_assert_cmpstr (deploy->sandbox_id, ==, "i9xlhu4d0e8zp6dm64vqd");
  g_assert_cmpstr (deploy->status, ==, "pending");

  logs = swarm_json_parse_log_page (logs_bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (logs->entries->len, ==, 4);
  g_assert_cmpint (logs->next, ==, 4);
  last = g_ptr_array_index (logs->entries, 3);
  g_assert_cmpint (last->kind, ==, SWARM_LOG_KIND_OUTPUT);
  g_assert_cmpstr (last->text, ==, "exit 0\n1\n2\nFizz");

  health = swarm_json_parse_health (health_bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (health->name, ==, "swarmyardd");
  g_assert_true (health->has_details);
  g_assert_true (health->llm_configured);
  g_assert_cmpstr (health->llm_model, ==, "openai/gpt-4o-mini");
  g_assert_cmpstr (health->drivers[0], ==, "local");

  public_health = swarm_json_parse_health (public_bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpint (public_health->api_version, ==, 1);
  g_assert_false (public_health->has_details);

  empty = swarm_json_parse_agent_list (empty_bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (empty->len, ==, 0);
}

typedef struct
{
  const char *file;
  int         code;
  const char *needle;   /* part of the message that names the problem */
} BadCase;

static const BadCase bad_cases[] = {
  { "bad-truncated.json", SWARM_JSON_ERROR_SYNTAX, "not valid JSON" },
  { "bad-trailing-comma.json", SWARM_JSON_ERROR_SYNTAX, "not valid JSON" },
  { "bad-not-utf8.json", SWARM_JSON_ERROR_NOT_UTF8, "UTF-8" },
  { "bad-deep-100000.json", SWARM_JSON_ERROR_TOO_DEEP, "64 levels" },
  { "bad-deep-65.json", SWARM_JSON_ERROR_TOO_DEEP, "64 levels" },
  { "bad-root-array.json", SWARM_JSON_ERROR_WRONG_TYPE, "JSON object" },
  { "bad-agents-not-list.json", SWARM_JSON_ERROR_WRONG_TYPE, "“agents”" },
  { "bad-no-agents-member.json", SWARM_JSON_ERROR_MISSING_MEMBER, "“agents”" },
  { "bad-missing-id.json", SWARM_JSON_ERROR_MISSING_MEMBER, "“id”" },
  { "bad-empty-id.json", SWARM_JSON_ERROR_INVALID_VALUE, "“id”" },
  { "bad-tokens-string.json", SWARM_JSON_ERROR_WRONG_TYPE, "“tokens_used”" },
  { "bad-tokens-negative.json", SWARM_JSON_ERROR_OUT_OF_RANGE, "“tokens_used”" },
  { "bad-tokens-fraction.json", SWARM_JSON_ERROR_WRONG_TYPE, "“tokens_used”" },
  { "bad-tokens-huge.json", SWARM_JSON_ERROR_OUT_OF_RANGE, "“tokens_used”" },
  { "bad-cost-infinite.json", SWARM_JSON_ERROR_OUT_OF_RANGE, "“cost_usd”" },
  { "bad-cost-negative.json", SWARM_JSON_ERROR_OUT_OF_RANGE, "“cost_usd”" },
  { "bad-cost-string.json", SWARM_JSON_ERROR_WRONG_TYPE, "“cost_usd”" },
  { "bad-status-unknown.json", SWARM_JSON_ERROR_INVALID_VALUE, "paused" },
  { "bad-status-number.json", SWARM_JSON_ERROR_WRONG_TYPE, "“status”" },
  { "bad-created-at.json", SWARM_JSON_ERROR_INVALID_VALUE, "yesterday" },
  { "bad-missing-created-at.json", SWARM_JSON_ERROR_MISSING_MEMBER, "“created_at”" },
  { "bad-name-number.json", SWARM_JSON_ERROR_WRONG_TYPE, "“name”" },
  { "bad-capabilities-mixed.json", SWARM_JSON_ERROR_WRONG_TYPE, "“capabilities”" },
  { "bad-environment-number.json", SWARM_JSON_ERROR_WRONG_TYPE, "“environment”" },
  { "bad-config-list.json", SWARM_JSON_ERROR_WRONG_TYPE, "“config”" },
  { "bad-truncated-flag.json", SWARM_JSON_ERROR_WRONG_TYPE, "“result_truncated”" },
  { "bad-duplicate-id.json", SWARM_JSON_ERROR_INVALID_VALUE, "twice" },
  { "bad-agent-string.json", SWARM_JSON_ERROR_WRONG_TYPE, "JSON object" },
  { "bad-empty.json", SWARM_JSON_ERROR_SYNTAX, "empty" },
  { "bad-null.json", SWARM_JSON_ERROR_WRONG_TYPE, "JSON object" },
};

static void
test_bad_case (gconstpointer data)
{
  const BadCase *bad = data;
  g_autoptr(GBytes) bytes = swarm_test_load_data (bad->file);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) agents = swarm_json_parse_agent_list (bytes, &error);

  g_assert_null (agents);
  g_assert_error (error, SWARM_JSON_ERROR, bad->code);
  g_test_message ("%s: %s", bad->file, error->message);
  if (strstr (error->message, bad->needle) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, bad->needle);
}

/* Every bad-*.json in the corpus must be in the table above. */
static void
test_corpus_complete (void)
{
  g_autofree char *dir_path = g_test_build_filename (G_TEST_DIST, "data", NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;
  guint n_bad = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      gboolean listed = FALSE;

      if (!g_str_has_prefix (name, "bad-"))
        continue;

      n_bad++;
      for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
        listed |= strcmp (bad_cases[i].file, name) == 0;

      if (!listed)
        g_error ("%s is not checked by test-json", name);
    }

  g_assert_cmpuint (n_bad, ==, G_N_ELEMENTS (bad_cases));
}

static void
test_depth_limit_exact (void)
{
  g_autoptr(GString) ok = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) node = NULL;

  for (guint i = 0; i < 64; i++)
    g_string_append_c (ok, '[');
  for (guint i = 0; i < 64; i++)
    g_string_append_c (ok, ']');

  bytes = g_bytes_new (ok->str, ok->len);
  node = swarm_json_parse_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);

  /* Brackets inside strings do not count. */
  g_assert_true (swarm_json_check_depth ("{\"a\":\"[[[[[[[[\\\"[[[[\"}", 22, 2, NULL));
  g_assert_false (swarm_json_check_depth ("[[[", 3, 2, NULL));
}

static void
test_round_trip (void)
{
  g_autoptr(GBytes) bytes = swarm_test_load_data ("good-full-agent.json");
  g_autoptr(SwarmAgent) agent = swarm_json_parse_agent (bytes, NULL);
  g_autoptr(JsonNode) node = swarm_json_agent_to_node (agent, FALSE);
  gsize length = 0;
  char *data = swarm_json_node_to_data (node, &length);
  g_autoptr(GBytes) written = g_bytes_new_take (data, length);
  g_autoptr(GError) error = NULL;
  g_autoptr(SwarmAgent) again = swarm_json_parse_agent (written, &error);

  g_assert_no_error (error);
  g_assert_nonnull (again);
  /* Reading back what was written changes nothing. */
  g_assert_cmpint (swarm_agent_update_from (again, agent), ==, SWARM_AGENT_CHANGE_NONE);
}

static void
test_list_form_truncates_result (void)
{
  g_autoptr(SwarmAgent) agent = swarm_agent_new ("long");
  g_autoptr(GPtrArray) agents = g_ptr_array_new ();
  g_autoptr(GPtrArray) parsed = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  GString *result = g_string_new (NULL);
  SwarmAgent *back;
  gsize length = 0;
  char *data;

  /* 3-byte characters, so the cut falls inside one. */
  while (result->len < 4000)
    g_string_append (result, "✓");
  agent->result = g_string_free (result, FALSE);
  agent->created_at = g_date_time_new_now_utc ();

  g_ptr_array_add (agents, agent);
  data = swarm_json_agent_list_to_data (agents, &length);
  bytes = g_bytes_new_take (data, length);
  parsed = swarm_json_parse_agent_list (bytes, &error);
  g_assert_no_error (error);

  back = g_ptr_array_index (parsed, 0);
  g_assert_true (swarm_agent_get_result_truncated (back));
  g_assert_cmpuint (strlen (swarm_agent_get_result (back)), <=, SWARM_LIST_RESULT_MAX);
  g_assert_cmpuint (strlen (swarm_agent_get_result (back)), >, SWARM_LIST_RESULT_MAX - 4);
  g_assert_true (g_utf8_validate (swarm_agent_get_result (back), -1, NULL));
}

static void
test_error_body (void)
{
  static const char body[] =
    "{\"error\":{\"code\":\"invalid_field\",\"message\":\"The name is taken.\",\"field\":\"agent_name\"}}";
  g_autoptr(GBytes) bytes = g_bytes_new_static (body, strlen (body));
  g_autoptr(GBytes) garbage = g_bytes_new_static ("<html>", 6);
  g_autofree char *code = NULL;
  g_autofree char *message = NULL;
  g_autofree char *field = NULL;
  char *c, *m, *f;

  g_assert_true (swarm_json_parse_error_body (bytes, &code, &message, &field));
  g_assert_cmpstr (code, ==, "invalid_field");
  g_assert_cmpstr (message, ==, "The name is taken.");
  g_assert_cmpstr (field, ==, "agent_name");

  g_assert_false (swarm_json_parse_error_body (garbage, &c, &m, &f));
  g_assert_null (c);
}

/* The reader itself ------------------------------------------------------- */

/* Parses @text from a copy with no NUL after it, as network bodies come. */
static SwarmJsonDoc *
parse_exact (const char  *text,
             GError     **error)
{
  gsize length = strlen (text);
  g_autofree char *copy = g_malloc (length + 1);

  memcpy (copy, text, length);
  copy[length] = 'x';   /* not part of the document */
  return swarm_json_doc_parse (copy, length, SWARM_JSON_MAX_DEPTH, error);
}

static void
test_reader_values (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SwarmJsonDoc) doc =
    parse_exact (" {\"s\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\", \"i\":-9223372036854775808,"
                 "\"big\":18446744073709551616, \"d\":-0.5e-3, \"t\":true, \"f\":false, \"n\":null,"
                 "\"a\":[1,[],{}], \"o\":{}, \"dup\":1, \"dup\":2, \"\\u0041\":\"é\"} \n", &error);
  const SwarmJv *root;
  const SwarmJv *value;

  g_assert_no_error (error);
  root = swarm_json_doc_root (doc);
  g_assert_cmpint (root->type, ==, SWARM_JV_OBJECT);
  g_assert_cmpuint (root->n, ==, 12);

  value = swarm_jv_get_member (root, "s");
  g_assert_cmpint (value->type, ==, SWARM_JV_STRING);
  g_assert_cmpstr (value->v.string, ==, "a\"b\\c/d\b\f\n\r\té😀");

  value = swarm_jv_get_member (root, "i");
  g_assert_cmpint (value->type, ==, SWARM_JV_INT);
  g_assert_cmpint (value->v.integer, ==, G_MININT64);

  /* Beyond 64 bits: a double, for the range checks to refuse. */
  value = swarm_jv_get_member (root, "big");
  g_assert_cmpint (value->type, ==, SWARM_JV_DOUBLE);
  g_assert_cmpfloat (value->v.number, ==, 18446744073709551616.0);

  value = swarm_jv_get_member (root, "d");
  g_assert_cmpint (value->type, ==, SWARM_JV_DOUBLE);
  g_assert_cmpfloat (value->v.number, ==, -0.0005);

  g_assert_true (swarm_jv_get_member (root, "t")->v.boolean);
  g_assert_false (swarm_jv_get_member (root, "f")->v.boolean);
  g_assert_cmpint (swarm_jv_get_member (root, "n")->type, ==, SWARM_JV_NULL);

  value = swarm_jv_get_member (root, "a");
  g_assert_cmpint (value->type, ==, SWARM_JV_ARRAY);
  g_assert_cmpuint (value->n, ==, 3);
  g_assert_cmpint (value->v.elements[0].v.integer, ==, 1);
  g_assert_cmpint (value->v.elements[1].type, ==, SWARM_JV_ARRAY);
  g_assert_cmpuint (value->v.elements[1].n, ==, 0);
  g_assert_cmpint (value->v.elements[2].type, ==, SWARM_JV_OBJECT);

  /* A name written twice: the last one, as json-glib does. */
  g_assert_cmpint (swarm_jv_get_member (root, "dup")->v.integer, ==, 2);
  g_assert_cmpstr (swarm_jv_get_member (root, "A")->v.string, ==, "é");
  g_assert_null (swarm_jv_get_member (root, "missing"));
  g_assert_null (swarm_jv_get_member (swarm_jv_get_member (root, "a"), "x"));
}

static void
test_reader_rejects (void)
{
  static const char * const bad[] = {
    "", " ", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "[01]", "[1.]", "[.5]",
    "[1e]", "[-]", "[+1]", "[NaN]", "[Infinity]", "['a']", "[\"a\tb\"]", "[\"\\x\"]",
    "[\"\\u12\"]", "[\"\\ud83d\"]", "[\"\\ude00\"]", "[\"\\ud83d\\u0041\"]", "[\"\\u0000\"]",
    "[\"abc]", "[tru]", "[nul]", "[1] [2]", "[1] x", "/* c */ [1]", "[1 // c\n]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SwarmJsonDoc) doc = parse_exact (bad[i], &error);

      if (doc != NULL)
        g_error ("“%s” was accepted", bad[i]);
      g_assert_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_SYNTAX);
      g_assert_nonnull (strstr (error->message, "not valid JSON"));
    }

  /* The position is named. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(SwarmJsonDoc) doc = parse_exact ("{\n  \"a\": 1,\n  \"b\" 2\n}", &error);

    g_assert_null (doc);
    g_assert_nonnull (strstr (error->message, "line 3, column 7"));
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(SwarmJsonDoc) doc = parse_exact ("[1e", &error);

    g_assert_null (doc);
    g_assert_nonnull (strstr (error->message, "line 1, column 4"));
  }
}

static void
test_reader_depth (void)
{
  g_autoptr(GString) ok = g_string_new (NULL);
  g_autoptr(GString) deep = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(SwarmJsonDoc) doc = NULL;
  g_autoptr(SwarmJsonDoc) too_deep = NULL;

  for (guint i = 0; i < SWARM_JSON_MAX_DEPTH; i++)
    g_string_append (ok, "[");
  for (guint i = 0; i < SWARM_JSON_MAX_DEPTH; i++)
    g_string_append (ok, "]");
  doc = parse_exact (ok->str, &error);
  g_assert_no_error (error);
  g_assert_nonnull (doc);

  /* One more, and not closed: refused before anything else is looked at. */
  g_string_append (deep, "[");
  g_string_append_len (deep, ok->str, SWARM_JSON_MAX_DEPTH);
  too_deep = parse_exact (deep->str, &error);
  g_assert_null (too_deep);
  g_assert_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_TOO_DEEP);
}

/* Times as servers write them take a short path; it must agree with
 * GLib's ISO 8601 reader to the microsecond, and refuse what GLib
 * refuses. */
static void
test_reader_times (void)
{
  static const char * const times[] = {
    "2026-11-26T08:00:00Z", "2026-11-26T08:00:00.5Z", "2026-11-26T08:00:05.123456Z",
    "2026-11-26T23:59:59.999999Z", "2024-02-29T12:00:00.000001Z", "1970-01-01T00:00:00Z",
    "2026-11-26T08:00:00.1234567Z", "2026-11-26T09:00:00+01:00", "2026-11-26T08:00:00",
    "2026-11-26T08:00:05.4999999999999999Z", "2026-11-26T08:00:00.12345699999999999Z",
  };
  static const char * const bad_times[] = {
    "2026-02-31T08:00:00Z", "2026-11-26T24:00:01Z", "2026-11-26T08:00", "yesterday",
    "2026-11-26T08:00:00.Z", "2026-11-26T08:00:59.9999999999999999Z",
    "2026-11-26T08:00:00.12345678901234567890Z",
  };
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();

  for (guint i = 0; i < G_N_ELEMENTS (times); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"id\":\"a\",\"name\":\"a\",\"agent_type\":\"coder\","
                                               "\"status\":\"running\",\"created_at\":\"%s\"}", times[i]);
      g_autoptr(GBytes) bytes = g_bytes_new (json, strlen (json));
      g_autoptr(GError) error = NULL;
      g_autoptr(SwarmAgent) agent = swarm_json_parse_agent (bytes, &error);
      g_autoptr(GDateTime) expected = g_date_time_new_from_iso8601 (times[i], utc);

      g_assert_no_error (error);
      g_assert_nonnull (expected);
      if (g_date_time_compare (swarm_agent_get_created_at (agent), expected) != 0)
        g_error ("%s was read as %" G_GINT64_FORMAT " µs", times[i],
                 swarm_date_time_to_unix_us (swarm_agent_get_created_at (agent)));
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad_times); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"id\":\"a\",\"name\":\"a\",\"agent_type\":\"coder\","
                                               "\"status\":\"running\",\"created_at\":\"%s\"}", bad_times[i]);
      g_autoptr(GBytes) bytes = g_bytes_new (json, strlen (json));
      g_autoptr(GError) error = NULL;
      g_autoptr(SwarmAgent) agent = swarm_json_parse_agent (bytes, &error);

      g_assert_null (agent);
      g_assert_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_INVALID_VALUE);
    }
}

/* Mutated bodies: each is refused or read, never read out of bounds (run
 * under ASan in CI's sanitizer builds) and never both. */
static void
test_reader_mutations (void)
{
  g_autoptr(GBytes) seed = swarm_test_load_data ("good-full-agent.json");
  gsize length = 0;
  const char *data = g_bytes_get_data (seed, &length);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261126);
  static const char alphabet[] = "{}[]\",:\\u0123456789.eE+-tfnl \n\x01\xc3\xa9";
  guint accepted = 0, refused = 0;

  for (guint i = 0; i < 20000; i++)
    {
      g_autofree char *mutated = g_memdup2 (data, length);
      g_autofree char *copy = NULL;
      gsize cut = length;
      g_autoptr(GError) error = NULL;
      g_autoptr(SwarmJsonDoc) doc = NULL;
      guint edits = g_rand_int_range (rand, 1, 4);

      for (guint e = 0; e < edits; e++)
        mutated[g_rand_int_range (rand, 0, length)] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
      if (g_rand_boolean (rand))
        cut = g_rand_int_range (rand, 1, length + 1);

      /* Exactly the bytes parsed, so that ASan sees a read past the end. */
      copy = g_memdup2 (mutated, cut);
      doc = swarm_json_doc_parse (copy, cut, SWARM_JSON_MAX_DEPTH, &error);
      g_assert_true ((doc == NULL) != (error == NULL));
      if (doc != NULL)
        accepted++;
      else
        refused++;
    }

  /* Both outcomes happened: the mutations reached the reader's paths. */
  g_test_message ("%u accepted, %u refused", accepted, refused);
  g_assert_cmpuint (accepted, >, 100);
  g_assert_cmpuint (refused, >, 100);
}

/* 2^63 is not a gint64, though (double) G_MAXINT64 rounds to it. */
static void
test_int_range_edge (void)
{
  static const char * const bodies[] = {
    "{\"t\":9223372036854775807.0}", "{\"t\":1e19}", "{\"t\":-9.3e18}",
  };
  gint64 value = 7;

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = json_from_string (bodies[i], &error);

      g_assert_no_error (error);
      g_assert_false (swarm_json_get_int (json_node_get_object (node), "t", TRUE,
                                          G_MININT64, G_MAXINT64, &value, &error));
      g_assert_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_OUT_OF_RANGE);
      g_assert_cmpint (value, ==, 7);
    }

  /* The edges themselves are fine. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) node = json_from_string ("{\"t\":-9223372036854775808}", &error);

    g_assert_true (swarm_json_get_int (json_node_get_object (node), "t", TRUE,
                                       G_MININT64, G_MAXINT64, &value, &error));
    g_assert_no_error (error);
    g_assert_cmpint (value, ==, G_MININT64);
  }

  /* Through the agent reader too. */
  {
    const char *json = "{\"id\":\"a\",\"name\":\"a\",\"agent_type\":\"coder\",\"status\":\"running\","
                       "\"created_at\":\"2026-11-26T08:00:00Z\",\"tokens_used\":9223372036854775808}";
    g_autoptr(GBytes) bytes = g_bytes_new_static (json, strlen (json));
    g_autoptr(GError) error = NULL;
    g_autoptr(SwarmAgent) agent = swarm_json_parse_agent (bytes, &error);

    g_assert_null (agent);
    g_assert_error (error, SWARM_JSON_ERROR, SWARM_JSON_ERROR_OUT_OF_RANGE);
  }
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/swarm/json/seed-list", test_seed_list);
  g_test_add_func ("/swarm/json/full-agent", test_full_agent);
  g_test_add_func ("/swarm/json/null-sandbox-and-offset", test_null_sandbox_and_offset);
  g_test_add_func ("/swarm/json/seed-environment", test_seed_environment);
  g_test_add_func ("/swarm/json/records", test_records);
  g_test_add_func ("/swarm/json/depth-limit", test_depth_limit_exact);
  g_test_add_func ("/swarm/json/round-trip", test_round_trip);
  g_test_add_func ("/swarm/json/list-form-truncates", test_list_form_truncates_result);
  g_test_add_func ("/swarm/json/error-body", test_error_body);
  g_test_add_func ("/swarm/json/corpus-complete", test_corpus_complete);
  g_test_add_func ("/swarm/json/reader/values", test_reader_values);
  g_test_add_func ("/swarm/json/reader/rejects", test_reader_rejects);
  g_test_add_func ("/swarm/json/reader/depth", test_reader_depth);
  g_test_add_func ("/swarm/json/reader/times", test_reader_times);
  g_test_add_func ("/swarm/json/reader/mutations", test_reader_mutations);
  g_test_add_func ("/swarm/json/int-range-edge", test_int_range_edge);

  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/swarm/json/bad/%s", bad_cases[i].file);

      g_test_add_data_func (path, &bad_cases[i], test_bad_case);
    }

  return g_test_run ();
}
