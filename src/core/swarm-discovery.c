/* swarm-discovery.c — find, or start, the daemon on this computer
 *
 * The default backend is http://127.0.0.1:8001.  If /api/health answers as
 * swarmyardd, the token comes from its state directory (unless the client
 * already has one: an explicit token wins).  If nothing answers and a
 * daemon binary is given, it is started, detached so agents outlive the
 * window, and awaited for up to five seconds.  If something else holds
 * the port, the error says so.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarm-discovery"

#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>

#include "swarm-discovery.h"
#include "swarm-records.h"
#include "swarm-utils.h"

#define POLL_MS 150

typedef struct
{
  SwarmClient *client;       /* (owned) */
  char        *state_dir;    /* (owned) */
  char        *daemon_path;  /* (owned) (nullable) */
  gboolean     started;
  gint64       deadline_us;
  guint        poll_id;
} Discovery;

static void
discovery_free (Discovery *d)
{
  g_clear_handle_id (&d->poll_id, g_source_remove);
  g_clear_object (&d->client);
  g_free (d->state_dir);
  g_free (d->daemon_path);
  g_free (d);
}

/**
 * swarm_discovery_is_local_default:
 *
 * Returns: whether @url is this computer's daemon at its default address,
 *   the backend discovery looks after
 */
gboolean
swarm_discovery_is_local_default (const char *url)
{
  g_autofree char *normalized = NULL;

  g_return_val_if_fail (url != NULL, FALSE);

  normalized = swarm_normalize_url (url, NULL);
  return g_strcmp0 (normalized, SWARM_DISCOVERY_DEFAULT_URL) == 0 ||
         g_strcmp0 (normalized, "http://localhost:8001") == 0;
}

/**
 * swarm_discovery_default_state_dir:
 *
 * Returns: (transfer full): `$XDG_STATE_HOME/swarmyard`, where swarmyardd
 *   keeps its token by default
 */
char *
swarm_discovery_default_state_dir (void)
{
  return g_build_filename (g_get_user_state_dir (), "swarmyard", NULL);
}

/**
 * swarm_discovery_daemon_path:
 *
 * Returns: (transfer full) (nullable): `$SWARMYARD_DAEMON` (the build
 *   tree's run script sets it), else swarmyardd in libexecdir, if it exists
 */
char *
swarm_discovery_daemon_path (void)
{
  const char *env = g_getenv ("SWARMYARD_DAEMON");
  g_autofree char *installed = g_build_filename (LIBEXECDIR, "swarmyardd", NULL);

  if (env != NULL && *env != '\0')
    return g_strdup (env);

  if (g_file_test (installed, G_FILE_TEST_IS_EXECUTABLE))
    return g_steal_pointer (&installed);

  return NULL;
}

static gboolean
read_token (Discovery  *d,
            GError    **error)
{
  g_autofree char *path = g_build_filename (d->state_dir, "token", NULL);
  g_autofree char *token = NULL;
  g_autoptr(GError) local_error = NULL;

  if (swarm_client_has_token (d->client))
    return TRUE;

  /* A 64-byte local file: reading it costs less than a thread hop. */
  if (!g_file_get_contents (path, &token, NULL, &local_error))
    {
      g_set_error (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_UNAUTHORIZED,
                   _("swarmyardd runs, but its token cannot be read: %s"), local_error->message);
      return FALSE;
    }

  swarm_client_set_token (d->client, g_strstrip (token));
  swarm_str_wipe (token);
  return TRUE;
}

static void probe (GTask *task);

static gboolean
poll_cb (gpointer user_data)
{
  GTask *task = user_data;
  Discovery *d = g_task_get_task_data (task);

  d->poll_id = 0;
  probe (task);
  return G_SOURCE_REMOVE;
}

static void
list_probe_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GPtrArray) agents = NULL;
  g_autoptr(GError) error = NULL;
  Discovery *d = g_task_get_task_data (task);

  agents = swarm_client_list_agents_finish (SWARM_CLIENT (object), result, &error);
  if (agents != NULL || g_error_matches (error, SWARM_CLIENT_ERROR,
                                         SWARM_CLIENT_ERROR_UNAUTHORIZED))
    {
      /* A backend after all, one without /api/health (the seed's). */
      g_task_return_int (task, SWARM_DISCOVERY_OTHER);
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_return_new_error (task, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_UNREACHABLE,
                           _("Another program holds %s: it is not swarmyardd, nor a backend Swarmyard "
                             "understands. Stop it, or choose another backend."),
                           swarm_client_get_base_url (d->client));
}

static void
detach_child (gpointer user_data)
{
  setsid ();
}

static gboolean
spawn_daemon (Discovery  *d,
              GError    **error)
{
  g_autoptr(GUri) uri = g_uri_parse (swarm_client_get_base_url (d->client), G_URI_FLAGS_NONE, NULL);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *listen = NULL;

  if (uri == NULL || g_uri_get_host (uri) == NULL)
    {
      g_set_error (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_UNREACHABLE,
                   _("“%s” is not a valid backend address."), swarm_client_get_base_url (d->client));
      return FALSE;
    }

  listen = g_strdup_printf ("%s:%d", g_uri_get_host (uri),
                            g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : 80);

  /* Detached: its own session, no pipes to us, so it outlives the app. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDIN_INHERIT);
  g_subprocess_launcher_set_child_setup (launcher, detach_child, NULL, NULL);
  process = g_subprocess_launcher_spawn (launcher, error, d->daemon_path,
                                         "--listen", listen, "--state-dir", d->state_dir, NULL);
  if (process == NULL)
    {
      g_prefix_error (error, _("Could not start swarmyardd (%s): "), d->daemon_path);
      return FALSE;
    }

  g_debug ("Started %s, pid %s", d->daemon_path, g_subprocess_get_identifier (process));
  return TRUE;
}

static void
health_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(SwarmHealth) health = NULL;
  g_autoptr(GError) error = NULL;
  Discovery *d = g_task_get_task_data (task);

  health = swarm_client_health_finish (SWARM_CLIENT (object), result, &error);

  if (health != NULL)
    {
      if (g_strcmp0 (health->name, "swarmyardd") != 0)
        {
          g_task_return_int (task, SWARM_DISCOVERY_OTHER);
          return;
        }

      if (!read_token (d, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }

      g_task_return_int (task, d->started ? SWARM_DISCOVERY_STARTED : SWARM_DISCOVERY_FOUND);
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!g_error_matches (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_UNREACHABLE) &&
      !g_error_matches (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_TIMED_OUT))
    {
      /* Something answered, but not with health: is it a backend at all? */
      GCancellable *cancellable = g_task_get_cancellable (task);

      swarm_client_list_agents_async (d->client, cancellable, list_probe_cb,
                                      g_steal_pointer (&task));
      return;
    }

  /* Nothing answers. */
  if (!d->started && d->daemon_path != NULL)
    {
      g_autoptr(GError) spawn_error = NULL;

      if (!spawn_daemon (d, &spawn_error))
        {
          g_task_return_error (task, g_steal_pointer (&spawn_error));
          return;
        }
      d->started = TRUE;
      d->deadline_us = g_get_monotonic_time () + SWARM_DISCOVERY_WAIT_MS * 1000;
    }

  if (d->started && g_get_monotonic_time () < d->deadline_us)
    {
      d->poll_id = g_timeout_add (POLL_MS, poll_cb, g_steal_pointer (&task));
      return;
    }

  if (d->started)
    g_task_return_new_error (task, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_UNREACHABLE,
                             _("swarmyardd was started but did not answer at %s within %d s."),
                             swarm_client_get_base_url (d->client), SWARM_DISCOVERY_WAIT_MS / 1000);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

static void
probe (GTask *task)
{
  Discovery *d = g_task_get_task_data (task);

  swarm_client_health_async (d->client, g_task_get_cancellable (task), health_cb, task);
}

/**
 * swarm_discovery_run_async:
 * @client: the client for the local backend; gets the token when found
 * @state_dir: the daemon's state directory (its token is there)
 * @daemon_path: (nullable): the swarmyardd to start if nothing answers;
 *   %NULL never starts anything
 */
void
swarm_discovery_run_async (SwarmClient         *client,
                           const char          *state_dir,
                           const char          *daemon_path,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task = g_task_new (client, cancellable, callback, user_data);
  Discovery *d = g_new0 (Discovery, 1);

  g_return_if_fail (SWARM_IS_CLIENT (client));

  g_task_set_source_tag (task, swarm_discovery_run_async);
  d->client = g_object_ref (client);
  d->state_dir = g_strdup (state_dir);
  d->daemon_path = g_strdup (daemon_path);
  g_task_set_task_data (task, d, (GDestroyNotify) discovery_free);

  probe (task);
}

gboolean
swarm_discovery_run_finish (GAsyncResult           *result,
                            SwarmDiscoveryOutcome  *outcome,
                            GError                **error)
{
  g_autoptr(GError) local_error = NULL;
  gssize value;

  g_return_val_if_fail (G_IS_TASK (result), FALSE);

  value = g_task_propagate_int (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (outcome != NULL)
    *outcome = (SwarmDiscoveryOutcome) value;
  return TRUE;
}
