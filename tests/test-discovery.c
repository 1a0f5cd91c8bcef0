/* test-discovery.c — finding, or starting, swarmyardd on this computer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "swarm-core.h"
#include "swarm-fake-backend.h"
#include "swarm-test-utils.h"

static gboolean
discover (SwarmClient           *client,
          const char            *state_dir,
          const char            *daemon,
          SwarmDiscoveryOutcome *outcome,
          GError               **error)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  swarm_discovery_run_async (client, state_dir, daemon, NULL, swarm_test_store_result_cb, &slot);
  result = swarm_test_wait_result (&slot);
  return swarm_discovery_run_finish (result, outcome, error);
}

static guint
free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, address, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
kill_daemons_of (const char *state_dir)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc", name, "cmdline", NULL);
      g_autofree char *cmdline = NULL;
      gsize length = 0;

      if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (path, &cmdline, &length, NULL))
        continue;
      if (memmem (cmdline, length, state_dir, strlen (state_dir)) != NULL &&
          memmem (cmdline, length, "swarmyardd", 10) != NULL)
        kill (atoi (name), SIGTERM);
    }
}

static void
test_other_backend (void)
{
  g_autoptr(SwarmFakeBackend) backend = swarm_fake_backend_new (0);
  g_autoptr(SwarmClient) client = swarm_client_new (swarm_fake_backend_get_url (backend));
  g_autoptr(GError) error = NULL;
  SwarmDiscoveryOutcome outcome;

  g_assert_true (discover (client, "/nonexistent", NULL, &outcome, &error));
  g_assert_no_error (error);
  g_assert_cmpint (outcome, ==, SWARM_DISCOVERY_OTHER);
  g_assert_false (swarm_client_has_token (client));

  /* The seed's backend has no /api/health; its list still tells. */
  swarm_fake_backend_set_seed_only (backend, TRUE);
  g_assert_true (discover (client, "/nonexistent", NULL, &outcome, &error));
  g_assert_cmpint (outcome, ==, SWARM_DISCOVERY_OTHER);
}

static void
not_a_backend_cb (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  soup_server_message_set_status (msg, 404, NULL);
  soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC, "<h1>It works</h1>", 17);
}

static void
test_port_held (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(SwarmClient) client = NULL;
  g_autofree char *url = NULL;
  GSList *uris;
  SwarmDiscoveryOutcome outcome;

  soup_server_add_handler (server, NULL, not_a_backend_cb, NULL, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, NULL));
  uris = soup_server_get_uris (server);
  url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  client = swarm_client_new (url);
  g_assert_false (discover (client, "/nonexistent", "/bin/false", &outcome, &error));
  g_assert_error (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_UNREACHABLE);
  g_assert_nonnull (strstr (error->message, "Another program holds"));
  g_assert_nonnull (strstr (error->message, url));
}

static void
test_nothing_and_no_spawn (void)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", free_port ());
  g_autoptr(SwarmClient) client = swarm_client_new (url);
  g_autoptr(GError) error = NULL;
  SwarmDiscoveryOutcome outcome;

  g_assert_false (discover (client, "/nonexistent", NULL, &outcome, &error));
  g_assert_error (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_UNREACHABLE);
}

static void
test_spawn_and_find (void)
{
  const char *daemon = g_getenv ("SWARMYARD_DAEMON");
  g_autofree char *dir = g_dir_make_tmp ("swarm-discovery-XXXXXX", NULL);
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", free_port ());
  g_autoptr(SwarmClient) client = swarm_client_new (url);
  g_autoptr(SwarmClient) again = swarm_client_new (url);
  g_autoptr(SwarmClient) explicit = swarm_client_new (url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) agents = NULL;
  g_autoptr(GPtrArray) refused = NULL;
  GAsyncResult *slot = NULL;
  SwarmDiscoveryOutcome outcome;

  g_assert_nonnull (daemon);

  /* Nothing answers: swarmyardd is started and its token read. */
  g_assert_true (discover (client, dir, daemon, &outcome, &error));
  g_assert_no_error (error);
  g_assert_cmpint (outcome, ==, SWARM_DISCOVERY_STARTED);
  g_assert_true (swarm_client_has_token (client));

  swarm_client_list_agents_async (client, NULL, swarm_test_store_result_cb, &slot);
  result = swarm_test_wait_result (&slot);
  agents = swarm_client_list_agents_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (agents->len, ==, 0);
  g_clear_object (&result);

  /* Running now: found, not started again. */
  g_assert_true (discover (again, dir, daemon, &outcome, &error));
  g_assert_cmpint (outcome, ==, SWARM_DISCOVERY_FOUND);

  /* An explicit token wins over the file (and here it is wrong). */
  swarm_client_set_token (explicit, "explicit-token");
  g_assert_true (discover (explicit, dir, daemon, &outcome, &error));
  swarm_client_list_agents_async (explicit, NULL, swarm_test_store_result_cb, &slot);
  result = swarm_test_wait_result (&slot);
  refused = swarm_client_list_agents_finish (explicit, result, &error);
  g_assert_error (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_UNAUTHORIZED);

  kill_daemons_of (dir);
  g_clear_error (&error);
  {
    g_autofree char *quoted = g_shell_quote (dir);
    g_autofree char *command = g_strdup_printf ("rm -rf %s", quoted);
    g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL);
  }
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/swarm/discovery/other-backend", test_other_backend);
  g_test_add_func ("/swarm/discovery/port-held", test_port_held);
  g_test_add_func ("/swarm/discovery/nothing-and-no-spawn", test_nothing_and_no_spawn);
  g_test_add_func ("/swarm/discovery/spawn-and-find", test_spawn_and_find);

  return g_test_run ();
}
