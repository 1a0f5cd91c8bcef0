/* swarm-fake-backend-main.c — the fake backend as a program
 *
 * swarm-fake-backend [--port N] [--agents N] [--token T] [--churn N]
 *
 * Prints its URL on the first line of stdout, then serves until killed.
 * --churn N changes N agents' tokens every --churn-interval seconds (5, the
 * app's refresh interval), so a dashboard has something to refresh.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <glib-unix.h>

#include "swarm-agent-private.h"
#include "swarm-fake-backend.h"

static guint churn_n;
static guint churn_round;

static gboolean
churn_cb (gpointer user_data)
{
  SwarmFakeBackend *backend = user_data;
  guint n = swarm_fake_backend_get_n_agents (backend);
  GPtrArray *agents;

  if (n == 0)
    return G_SOURCE_CONTINUE;

  agents = swarm_fake_backend_get_agents (backend);
  for (guint i = 0; i < churn_n; i++)
    {
      SwarmAgent *agent = g_ptr_array_index (agents, (churn_round * churn_n + i * 7919) % n);

      agent->tokens_used += 100 + i;
      agent->cost_usd = agent->tokens_used * 0.0000025;
    }
  churn_round++;
  swarm_fake_backend_invalidate_list (backend);
  swarm_fake_backend_warm_list (backend);

  return G_SOURCE_CONTINUE;
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SwarmFakeBackend) backend = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  int port = 0, n_agents = 0, churn = 0, churn_interval = 5;
  char *token = NULL;
  GOptionEntry entries[] = {
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "Port on 127.0.0.1 (0: any)", "N" },
    { "agents", 0, 0, G_OPTION_ARG_INT, &n_agents, "Sample agents to serve", "N" },
    { "token", 0, 0, G_OPTION_ARG_STRING, &token, "Require this bearer token", "T" },
    { "churn", 0, 0, G_OPTION_ARG_INT, &churn, "Agents changed every --churn-interval seconds", "N" },
    { "churn-interval", 0, 0, G_OPTION_ARG_INT, &churn_interval, "Seconds between changes (default 5)", "S" },
    { NULL }
  };

  setlocale (LC_ALL, "");
  context = g_option_context_new ("— a fake Swarmyard backend for tests");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  backend = swarm_fake_backend_new (port);
  if (token != NULL)
    swarm_fake_backend_set_token (backend, token);
  if (n_agents > 0)
    swarm_fake_backend_add_sample_agents (backend, n_agents, 42);
  swarm_fake_backend_set_cache_list (backend, TRUE);
  swarm_fake_backend_warm_list (backend);
  g_free (token);

  churn_n = churn;
  if (churn > 0)
    g_timeout_add_seconds (churn_interval, churn_cb, backend);

  printf ("%s\n", swarm_fake_backend_get_url (backend));
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_main_loop_run (loop);

  return 0;
}
