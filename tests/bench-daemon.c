/* bench-daemon.c — swarmyardd's figures (prints them; not a timed test)
 *
 *   list:   GET /api/agents with 10,000 stored agents, median of 50
 *   deploy: POST deploy → the agent is running, on the local driver, median of 20
 *   swarm:  100 agents at once with the fake LLM, each running a command in
 *           bubblewrap and finishing; none may be lost
 *
 * The daemon is the real swarmyardd binary, in its own process.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "swarm-agent-private.h"
#include "swarm-core.h"
#include "swarm-fake-llm.h"
#include "swarm-test-utils.h"
#include "swarmd-store.h"

typedef struct
{
  GSubprocess *process;
  char        *url;
  char        *token;
  SoupSession *session;
} Bench;

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
percentile (GArray *values,
            double  p)
{
  g_array_sort (values, compare_doubles);
  return g_array_index (values, double, MIN (values->len - 1, (guint) (p * values->len)));
}

static void
read_line_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  char **url = user_data;

  *url = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object), result, NULL, NULL);
  if (*url == NULL)
    *url = g_strdup ("");
}

static gboolean
string_set (gpointer data)
{
  return *(char **) data != NULL;
}

static void
start_daemon (Bench      *b,
              const char *state_dir,
              const char *config)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *token_path = g_build_filename (state_dir, "token", NULL);

  b->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, g_getenv ("SWARMYARD_DAEMON"),
                                 "--listen", "127.0.0.1:0", "--state-dir", state_dir, "--config", config, NULL);
  if (b->process == NULL)
    g_error ("%s", error->message);

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (b->process));
  g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, NULL, read_line_cb, &b->url);
  if (!swarm_test_wait_until (string_set, &b->url, 30000) || *b->url == '\0')
    g_error ("swarmyardd did not start");

  g_file_get_contents (token_path, &b->token, NULL, NULL);
  b->session = soup_session_new_with_options ("timeout", 60, NULL);
}

static void
stop_daemon (Bench *b)
{
  g_subprocess_send_signal (b->process, SIGTERM);
  g_subprocess_wait (b->process, NULL, NULL);
  g_clear_object (&b->process);
  g_clear_object (&b->session);
  g_clear_pointer (&b->url, g_free);
  g_clear_pointer (&b->token, g_free);
}

static GBytes *
http (Bench      *b,
      const char *method,
      const char *path,
      const char *body,
      guint      *status)
{
  g_autofree char *url = g_strconcat (b->url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autofree char *auth = g_strconcat ("Bearer ", b->token, NULL);
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;
  GBytes *bytes;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  if (body != NULL)
    {
      g_autoptr(GBytes) data = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", data);
    }

  soup_session_send_and_read_async (b->session, msg, G_PRIORITY_DEFAULT, NULL, swarm_test_store_result_cb, &slot);
  result = swarm_test_wait_result (&slot);
  bytes = soup_session_send_and_read_finish (b->session, result, NULL);
  if (status != NULL)
    *status = soup_message_get_status (msg);
  return bytes;
}

static void
populate (const char *state_dir,
          guint       n)
{
  g_autofree char *db = g_build_filename (state_dir, "swarmyardd.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(SwarmdStore) store = NULL;

  g_mkdir_with_parents (state_dir, 0700);
  store = swarmd_store_open (db, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("00000000-0000-4000-8000-%012u", i);
      g_autofree char *name = g_strdup_printf ("stored-agent-%05u", i);
      g_autoptr(SwarmAgent) agent = swarm_agent_new (id);

      swarm_set_str (&agent->name, name);
      swarm_set_str (&agent->agent_type, i % 2 ? "coder" : "researcher");
      swarm_set_str (&agent->task_description, "Analyze REST API endpoints for authentication patterns");
      agent->status = SWARM_AGENT_STATUS_COMPLETED;
      agent->sandbox_id = g_strdup_printf ("local-%012u", i);
      agent->sandbox_driver = g_strdup ("local");
      agent->template_id = g_strdup ("base");
      agent->tokens_used = 1000 + i;
      agent->cost_usd = 0.0025;
      agent->steps = 4;
      agent->execution_time_ms = 45000;
      agent->created_at = g_date_time_new_from_unix_utc (1760000000 + i);
      agent->started_at = g_date_time_new_from_unix_utc (1760000001 + i);
      agent->completed_at = g_date_time_new_from_unix_utc (1760000046 + i);
      agent->result = g_strdup ("Found 3 endpoints without authentication; details in notes.md.");
      agent->model = g_strdup ("openai/gpt-4o-mini");

      if (!swarmd_store_save_agent (store, agent, &error))
        g_error ("%s", error->message);
    }
}

static void
bench_list (const char *dir,
            const char *config)
{
  g_autofree char *state = g_build_filename (dir, "list-state", NULL);
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  Bench b = { 0, };
  gsize size = 0;

  populate (state, 10000);
  start_daemon (&b, state, config);

  for (guint i = 0; i < 55; i++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr(GBytes) body = http (&b, "GET", "/api/agents", NULL, NULL);
      double ms = (g_get_monotonic_time () - start) / 1000.0;

      size = g_bytes_get_size (body);
      if (i >= 5)   /* the first ones fill the daemon's per-agent cache */
        g_array_append_val (times, ms);
    }

  printf ("bench: daemon-list-10000-median-ms %.2f\n", percentile (times, 0.5));
  printf ("bench: daemon-list-10000-p95-ms %.2f\n", percentile (times, 0.95));
  printf ("bench: daemon-list-10000-bytes %" G_GSIZE_FORMAT "\n", size);
  stop_daemon (&b);
}

static void
bench_deploy (const char   *dir,
              const char   *config,
              SwarmFakeLlm *llm)
{
  g_autofree char *state = g_build_filename (dir, "deploy-state", NULL);
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  Bench b = { 0, };

  start_daemon (&b, state, config);

  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"agent_name\":\"quick-%02u\",\"agent_type\":\"coder\","
                                               "\"task_description\":\"t\"}", i);
      g_autoptr(GBytes) reply = NULL;
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *path = NULL;
      gint64 start = g_get_monotonic_time ();
      guint status = 0;

      swarm_fake_llm_push_hang (llm);
      reply = http (&b, "POST", "/api/agents/deploy", body, &status);
      g_assert_cmpuint (status, ==, 201);
      root = swarm_json_parse_bytes (reply, NULL);
      path = g_strdup_printf ("/api/agents/%s", json_object_get_string_member (json_node_get_object (root), "agent_id"));

      for (;;)
        {
          g_autoptr(GBytes) one = http (&b, "GET", path, NULL, NULL);

          if (strstr (g_bytes_get_data (one, NULL), "\"status\":\"running\"") != NULL)
            break;
        }

      {
        double ms = (g_get_monotonic_time () - start) / 1000.0;
        g_array_append_val (times, ms);
      }
    }

  printf ("bench: daemon-deploy-to-running-median-ms %.2f\n", percentile (times, 0.5));
  printf ("bench: daemon-deploy-to-running-max-ms %.2f\n", percentile (times, 1.0));
  stop_daemon (&b);
}

static void
bench_swarm (const char   *dir,
             const char   *config,
             SwarmFakeLlm *llm)
{
  g_autofree char *state = g_build_filename (dir, "swarm-state", NULL);
  Bench b = { 0, };
  gint64 start;
  guint completed = 0, listed = 0;

  start_daemon (&b, state, config);

  for (guint i = 0; i < 100; i++)
    swarm_fake_llm_push_tool_call (llm, "run_command", "{\"command\":\"echo working; sleep 0.2\"}", 100, 20, -1);
  swarm_fake_llm_set_fallback_tool_call (llm, "finish", "{\"result\":\"done\",\"success\":true}", 150, 10);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"agent_name\":\"swarm-%03u\",\"agent_type\":\"analyst\","
                                               "\"task_description\":\"part %u\"}", i, i);
      guint status = 0;
      g_autoptr(GBytes) reply = http (&b, "POST", "/api/agents/deploy", body, &status);

      g_assert_cmpuint (status, ==, 201);
    }

  while (completed < 100 && g_get_monotonic_time () - start < 120 * G_USEC_PER_SEC)
    {
      g_autoptr(GBytes) list = http (&b, "GET", "/api/agents", NULL, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) agents = swarm_json_parse_agent_list (list, &error);

      completed = 0;
      listed = agents != NULL ? agents->len : 0;
      for (guint i = 0; i < listed; i++)
        completed += swarm_agent_get_status (g_ptr_array_index (agents, i)) == SWARM_AGENT_STATUS_COMPLETED;
      swarm_test_spin_ms (100);
    }

  printf ("bench: daemon-swarm-100-completed %u\n", completed);
  printf ("bench: daemon-swarm-100-listed %u\n", listed);
  printf ("bench: daemon-swarm-100-seconds %.2f\n", (g_get_monotonic_time () - start) / 1e6);
  stop_daemon (&b);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *dir = g_dir_make_tmp ("swarmyardd-bench-XXXXXX", NULL);
  g_autofree char *config = g_build_filename (dir, "swarmyardd.conf", NULL);
  g_autofree char *config_text = NULL;
  g_autoptr(SwarmFakeLlm) llm = NULL;

  setlocale (LC_ALL, "C.UTF-8");
  if (g_getenv ("SWARMYARD_DAEMON") == NULL)
    g_error ("Set SWARMYARD_DAEMON to the swarmyardd to measure");

  llm = swarm_fake_llm_new ();
  config_text = g_strdup_printf ("[llm]\nbase-url=%s\nmodel=fake/model\n", swarm_fake_llm_get_url (llm));
  g_file_set_contents (config, config_text, -1, NULL);

  bench_list (dir, config);
  bench_deploy (dir, config, llm);
  g_clear_object (&llm);
  llm = swarm_fake_llm_new ();
  g_free (config_text);
  config_text = g_strdup_printf ("[llm]\nbase-url=%s\nmodel=fake/model\n", swarm_fake_llm_get_url (llm));
  g_file_set_contents (config, config_text, -1, NULL);
  bench_swarm (dir, config, llm);

  {
    g_autofree char *quoted = g_shell_quote (dir);
    g_autofree char *command = g_strdup_printf ("rm -rf %s", quoted);
    g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL);
  }

  return 0;
}
