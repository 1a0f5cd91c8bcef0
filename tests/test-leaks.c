/* test-leaks.c — no secret anywhere it should not be
 *
 * One realistic run in a home of its own: the real swarmyardd binary
 * (G_MESSAGES_DEBUG=all, its output kept), the LLM key saved in the
 * keyring the way Preferences saves it, an agent deployed through the
 * app's client with a secret environment value, the app's history of it
 * (list, full agent, logs), GSettings in a key file.  Then every file
 * under the home (the keyring's, the daemon's state and sandboxes, the
 * history, the settings, the logs of both processes) is searched for the
 * LLM key, the environment value and the backend token the app saved —
 * except STATE/token, which holds the daemon's token by design.
 *
 * Positive controls: the fake LLM received the key (the daemon used it),
 * the sandboxed command saw the value (its SHA-256 came back), the search
 * finds what it must (the agent's name, the key's *name*), and a process
 * scan that finds the daemon by its arguments finds no secret in any
 * command line while the command runs.
 *
 * Runs under tests/with-keyring.sh.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>

#include "swarm-core.h"
#include "swarm-fake-llm.h"
#include "swarm-test-utils.h"

#define LLM_KEY        "sk-leaktest-key-6c1e9f"
#define ENV_VALUE      "leaktest-env-value-b72d"
#define BACKEND_TOKEN  "leaktest-backend-token-41aa"

static char *home;       /* this run's XDG directories, under $HOME */
static FILE *own_log;

/* Every message of this process, debug included, goes to a file that is
 * searched too. */
static GLogWriterOutput
log_writer (GLogLevelFlags   log_level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  g_autofree char *line = g_log_writer_format_fields (log_level, fields, n_fields, FALSE);

  if (own_log != NULL)
    {
      fprintf (own_log, "%s\n", line);
      fflush (own_log);
    }

  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    return g_log_writer_default (log_level, fields, n_fields, user_data);

  return G_LOG_WRITER_HANDLED;
}

typedef struct
{
  GSubprocess *process;
  const char  *out_path;
  char        *url;
} Daemon;

/* The daemon prints its URL on a line of its own on stdout, which (with
 * G_MESSAGES_DEBUG=all, GLib's debug messages go there too) is a file. */
static gboolean
url_known (gpointer data)
{
  Daemon *daemon = data;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (daemon->url != NULL)
    return TRUE;

  if (!g_file_get_contents (daemon->out_path, &text, NULL, NULL))
    return FALSE;

  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL && lines[i + 1] != NULL; i++)
    if (g_str_has_prefix (lines[i], "http://"))
      {
        daemon->url = g_strdup (lines[i]);
        return TRUE;
      }

  return FALSE;
}

static gboolean
command_running (gpointer data)
{
  return swarm_test_count_processes ("sleep 1.5", TRUE) > 0;
}

typedef struct
{
  SwarmClient *client;
  const char  *id;
  gboolean     done;
  SwarmAgent  *agent;
} Poll;

static gboolean
agent_ended (gpointer data)
{
  Poll *poll = data;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) done = NULL;

  g_clear_object (&poll->agent);
  swarm_client_get_agent_async (poll->client, poll->id, NULL, swarm_test_store_result_cb, &result);
  poll->agent = swarm_client_get_agent_finish (poll->client, swarm_test_wait_result_into (&result, &done), NULL);

  return poll->agent != NULL && !swarm_agent_is_active (poll->agent);
}

/* Every regular file under @dir, but @skip. */
static void
list_files (const char *dir,
            const char *skip,
            GPtrArray  *out)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_strcmp0 (path, skip) == 0)
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        list_files (path, skip, out);
      else if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (out, g_steal_pointer (&path));
    }
}

static guint
files_containing (GPtrArray  *files,
                  const char *needle,
                  GString    *where)
{
  guint n = 0;

  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (!g_file_get_contents (files->pdata[i], &contents, &length, NULL))
        continue;

      if (swarm_test_bytes_contain (contents, length, needle))
        {
          n++;
          if (where != NULL)
            g_string_append_printf (where, " %s", (const char *) files->pdata[i]);
        }
    }

  return n;
}

static void
test_no_secret_anywhere (void)
{
  g_autoptr(SwarmFakeLlm) llm = swarm_fake_llm_new ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(SwarmClient) client = NULL;
  g_autoptr(SwarmHistory) history = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SwarmDeployRequest) request = NULL;
  g_autoptr(SwarmDeployResult) deployed = NULL;
  g_autoptr(GPtrArray) agents = NULL;
  g_autoptr(SwarmLogPage) logs = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) where = g_string_new (NULL);
  g_autofree char *state = g_build_filename (home, "state", NULL);
  g_autofree char *token_file = g_build_filename (state, "token", NULL);
  g_autofree char *conf_dir = g_build_filename (g_get_user_config_dir (), "swarmyard", NULL);
  g_autofree char *conf = g_build_filename (conf_dir, "swarmyardd.conf", NULL);
  g_autofree char *daemon_out = g_build_filename (home, "logs", "swarmyardd.out", NULL);
  g_autofree char *daemon_err = g_build_filename (home, "logs", "swarmyardd.err", NULL);
  g_autofree char *token = NULL;
  g_autofree char *expected_hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, ENV_VALUE, -1);
  g_autofree char *key = NULL;
  g_autofree char *conf_text = NULL;
  Daemon daemon = { NULL, NULL, NULL };
  Poll poll = { NULL, NULL, FALSE, NULL };
  const char *binary = g_getenv ("SWARMYARD_DAEMON");

  g_assert_nonnull (binary);

  /* The app's side: the LLM settings in the daemon's file, the key and a
   * backend token in the keyring, a setting in a key file. */
  conf_text = g_strdup_printf ("[llm]\nbase-url=%s\nmodel=fake/model\n", swarm_fake_llm_get_url (llm));
  g_assert_cmpint (g_mkdir_with_parents (conf_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (conf, conf_text, -1, NULL));

  swarm_test_secret_store (SWARM_SECRET_LLM_KEY, NULL, LLM_KEY);

  /* The daemon, talkative, with its output kept for the search. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "SWARMYARD_LLM_API_KEY");
  g_subprocess_launcher_unsetenv (launcher, "OPENROUTER_API_KEY");
  {
    g_autofree char *logs_dir = g_path_get_dirname (daemon_err);

    g_assert_cmpint (g_mkdir_with_parents (logs_dir, 0700), ==, 0);
  }
  g_subprocess_launcher_set_stderr_file_path (launcher, daemon_err);
  g_subprocess_launcher_set_stdout_file_path (launcher, daemon_out);
  daemon.out_path = daemon_out;
  daemon.process = g_subprocess_launcher_spawn (launcher, &error, binary, "--listen", "127.0.0.1:0",
                                                "--state-dir", state, NULL);
  g_assert_no_error (error);
  g_assert_true (swarm_test_wait_until (url_known, &daemon, 10000));
  g_assert_true (g_str_has_prefix (daemon.url, "http://127.0.0.1:"));

  key = swarm_normalize_url (daemon.url, NULL);
  swarm_test_secret_store (SWARM_SECRET_BACKEND_TOKEN, key, BACKEND_TOKEN);
  settings = g_settings_new (BASE_APP_ID);
  g_settings_set_string (settings, "backend-url", daemon.url);
  g_settings_sync ();

  /* The app's client, with the daemon's token from its state. */
  g_assert_true (g_file_get_contents (token_file, &token, NULL, NULL));
  client = swarm_client_new (daemon.url);
  swarm_client_set_token (client, g_strstrip (token));

  swarm_fake_llm_push_tool_call (llm, "run_command",
                                 "{\"command\":\"printf %s \\\"$LEAK_VALUE\\\" | sha256sum; sleep 1.5; "
                                 "echo \\\"raw=$LEAK_VALUE\\\"\"}", 10, 10, -1);
  swarm_fake_llm_push_tool_call (llm, "finish", "{\"result\":\"checked the value\",\"success\":true}",
                                 10, 10, -1);

  request = swarm_deploy_request_new ();
  swarm_set_str (&request->name, "leak-check");
  swarm_set_str (&request->agent_type, "coder");
  swarm_set_str (&request->task_description, "Hash the value");
  swarm_deploy_request_add_env (request, "LEAK_VALUE", ENV_VALUE);
  swarm_client_deploy_async (client, request, NULL, swarm_test_store_result_cb, &result);
  deployed = swarm_client_deploy_finish (client, swarm_test_wait_result_into (&result, &done), NULL, &error);
  g_assert_no_error (error);

  /* While the command runs: the daemon is found by its arguments (the
   * control), no command line holds a secret. */
  g_assert_true (swarm_test_wait_until (command_running, NULL, 10000));
  g_assert_cmpuint (swarm_test_count_processes ("--state-dir", FALSE), >, 0);
  g_assert_cmpuint (swarm_test_count_processes (ENV_VALUE, FALSE), ==, 0);
  g_assert_cmpuint (swarm_test_count_processes (LLM_KEY, FALSE), ==, 0);
  g_assert_cmpuint (swarm_test_count_processes (BACKEND_TOKEN, FALSE), ==, 0);

  poll.client = client;
  poll.id = deployed->agent_id;
  g_assert_true (swarm_test_wait_until (agent_ended, &poll, 20000));
  g_assert_cmpint (swarm_agent_get_status (poll.agent), ==, SWARM_AGENT_STATUS_COMPLETED);

  /* Controls: the daemon used the key; the command saw the value. */
  g_assert_cmpuint (swarm_fake_llm_get_n_requests (llm), ==, 2);
  g_assert_cmpstr (swarm_fake_llm_get_authorization (llm, 0), ==, "Bearer " LLM_KEY);
  {
    g_autofree char *sent = swarm_json_node_to_data (swarm_fake_llm_get_request (llm, 1), NULL);

    g_assert_nonnull (strstr (sent, expected_hash));
    g_assert_nonnull (strstr (sent, "raw=***"));
  }

  /* The app keeps its history of the run: list, full agent, logs. */
  {
    g_autofree char *path = swarm_history_default_path ();

    history = swarm_history_new (path, 0);
  }
  swarm_client_list_agents_async (client, NULL, swarm_test_store_result_cb, &result);
  agents = swarm_client_list_agents_finish (client, swarm_test_wait_result_into (&result, &done), &error);
  g_assert_no_error (error);
  swarm_history_record_list_async (history, key, agents, g_get_real_time (), NULL,
                                   swarm_test_store_result_cb, &result);
  g_assert_true (swarm_history_record_list_finish (history, swarm_test_wait_result_into (&result, &done), &error));
  swarm_history_record_agent (history, key, poll.agent);
  swarm_client_get_logs_async (client, deployed->agent_id, -1, 0, 200, NULL, swarm_test_store_result_cb, &result);
  logs = swarm_client_get_logs_finish (client, swarm_test_wait_result_into (&result, &done), &error);
  g_assert_no_error (error);
  swarm_history_record_logs (history, key, deployed->agent_id, logs->entries);
  swarm_history_sync_async (history, NULL, swarm_test_store_result_cb, &result);
  g_assert_true (swarm_history_sync_finish (history, swarm_test_wait_result_into (&result, &done), &error));

  g_subprocess_send_signal (daemon.process, SIGTERM);
  g_subprocess_wait (daemon.process, NULL, NULL);
  g_clear_object (&done);
  g_clear_object (&history);
  g_clear_object (&settings);
  fflush (own_log);

  /* The search: everything under $HOME (with-keyring.sh's throwaway one,
   * which also holds the keyring's files), this run's directories in it. */
  list_files (g_get_home_dir (), token_file, files);
  g_test_message ("searching %u files under %s", files->len, g_get_home_dir ());

  /* Controls: it reads what was written. */
  g_assert_cmpuint (files_containing (files, "leak-check", NULL), >=, 2);      /* history, daemon db */
  g_assert_cmpuint (files_containing (files, "LEAK_VALUE", NULL), >=, 1);      /* the name, not the value */
  g_assert_cmpuint (files_containing (files, "backend-url", NULL), >=, 1);     /* GSettings key file */
  g_assert_cmpuint (files_containing (files, "swarm-client", NULL), >=, 1);    /* our debug log */
  g_assert_cmpuint (files_containing (files, "swarmd", NULL), >=, 1);          /* its debug log */

  if (files_containing (files, LLM_KEY, where) > 0)
    g_error ("the LLM key was found in:%s", where->str);
  if (files_containing (files, ENV_VALUE, where) > 0)
    g_error ("the environment value was found in:%s", where->str);
  if (files_containing (files, BACKEND_TOKEN, where) > 0)
    g_error ("the backend token was found in:%s", where->str);

  g_clear_object (&poll.agent);
  g_object_unref (daemon.process);
  g_free (daemon.url);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *log_path = NULL;

  setlocale (LC_ALL, "C.UTF-8");

  /* Directories of its own, set before GLib reads them: under $HOME,
   * which with-keyring.sh made for this run alone. */
  home = g_build_filename (g_get_home_dir (), "leaks-run", NULL);
  g_assert_cmpint (g_mkdir_with_parents (home, 0700), ==, 0);
  {
    const char *dirs[][2] = { { "XDG_DATA_HOME", "data" }, { "XDG_CONFIG_HOME", "config" },
                              { "XDG_CACHE_HOME", "cache" }, { "XDG_STATE_HOME", "statehome" } };

    for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
      {
        g_autofree char *path = g_build_filename (home, dirs[i][1], NULL);

        g_setenv (dirs[i][0], path, TRUE);
      }
  }
  g_setenv ("GSETTINGS_BACKEND", "keyfile", TRUE);
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);

  g_test_init (&argc, &argv, NULL);

  log_path = g_build_filename (home, "test-leaks.log", NULL);
  own_log = fopen (log_path, "w");
  g_assert_nonnull (own_log);
  g_log_set_writer_func (log_writer, NULL, NULL);

  g_test_add_func ("/leaks/no-secret-anywhere", test_no_secret_anywhere);

  {
    int status = g_test_run ();

    g_free (home);
    return status;
  }
}
