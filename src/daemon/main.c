/* main.c — swarmyardd, the daemon that runs Swarmyard's agents
 *
 * swarmyardd [--listen ADDR:PORT] [--state-dir DIR] [--tls-cert F --tls-key F]
 *
 * Prints the URL it listens on as the first line of stdout.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarmyardd"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <sys/stat.h>
#include <glib-unix.h>

#include "swarmd-daemon.h"
#include "swarmd-server.h"

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
  g_autoptr(SwarmdDaemon) daemon = NULL;
  g_autoptr(SwarmdServer) server = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *state_dir = NULL;
  g_autofree char *tls_cert = NULL;
  g_autofree char *tls_key = NULL;
  g_autofree char *config = NULL;
  g_autofree char *url = NULL;
  gboolean version = FALSE;
  GOptionEntry entries[] = {
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
      "Address and port to listen on (default 127.0.0.1:8001); beyond loopback TLS is required", "ADDR:PORT" },
    { "state-dir", 's', 0, G_OPTION_ARG_FILENAME, &state_dir,
      "Where the token, the database and the sandboxes live (default $XDG_STATE_HOME/swarmyard)", "DIR" },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &tls_cert, "TLS certificate (PEM)", "FILE" },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &tls_key, "TLS private key (PEM)", "FILE" },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config,
      "The settings file (default $XDG_CONFIG_HOME/swarmyard/swarmyardd.conf)", "FILE" },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");

  /* The state holds the token, task texts and workspaces: ours alone. */
  umask (077);

  context = g_option_context_new ("— run Swarmyard's agents");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("swarmyardd: %s\n", error->message);
      return 2;
    }

  if (version)
    {
      g_print ("swarmyardd %s\n", PACKAGE_VERSION);
      return 0;
    }

  if ((tls_cert == NULL) != (tls_key == NULL))
    {
      g_printerr ("swarmyardd: --tls-cert and --tls-key go together.\n");
      return 2;
    }

  if (tls_cert != NULL)
    {
      certificate = g_tls_certificate_new_from_files (tls_cert, tls_key, &error);
      if (certificate == NULL)
        {
          g_printerr ("swarmyardd: cannot load the TLS certificate: %s\n", error->message);
          return 1;
        }
    }

  if (state_dir == NULL)
    state_dir = g_build_filename (g_get_user_state_dir (), "swarmyard", NULL);

  daemon = swarmd_daemon_new (state_dir, config, &error);
  if (daemon == NULL)
    {
      g_printerr ("swarmyardd: %s\n", error->message);
      return 1;
    }

  server = swarmd_server_new (daemon, certificate);
  if (!swarmd_server_listen (server, listen != NULL ? listen : "127.0.0.1:8001", &error))
    {
      g_printerr ("swarmyardd: %s\n", error->message);
      return 1;
    }

  url = swarmd_server_get_url (server);
  printf ("%s\n", url);
  fflush (stdout);
  g_printerr ("swarmyardd %s: listening on %s, state in %s\n", PACKAGE_VERSION, url,
              swarmd_daemon_get_state_dir (daemon));

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_main_loop_run (loop);

  swarmd_daemon_shutdown (daemon);
  return 0;
}
