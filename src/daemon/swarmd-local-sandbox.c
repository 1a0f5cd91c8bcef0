/* swarmd-local-sandbox.c — the local driver: bubblewrap on this computer
 *
 * One workspace directory per agent, STATE/sandboxes/<id>/, mounted as the
 * home directory inside.  Each command runs in a fresh bwrap: read-only
 * /usr, private /tmp, /proc and /dev, every namespace unshared (network
 * only with the `network` capability), killed with the daemon, in a new
 * session, under resource limits.  Its environment is built from scratch —
 * PATH, HOME, LANG and the agent's variables — and handed over as the
 * process environment, never on the command line, which every user can
 * read in /proc.  Killing bwrap tears the whole PID namespace down.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarmd-local-sandbox"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <signal.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <gio/gunixinputstream.h>

#include "swarm-json.h"
#include "swarm-utils.h"
#include "swarmd-local-sandbox.h"

#define HOME_INSIDE     "/home/user"
#define READ_MAX        (64 * 1024)
#define DRAIN_AFTER_KILL_MS 2000

typedef struct _Exec Exec;

struct _SwarmdLocalSandbox
{
  SwarmdSandbox  parent_instance;

  char          *workspace;   /* (owned) */
  Exec          *running;     /* (unowned) (nullable): the command in flight */
};

G_DEFINE_FINAL_TYPE (SwarmdLocalSandbox, swarmd_local_sandbox, SWARMD_TYPE_SANDBOX)

struct _Exec
{
  SwarmdLocalSandbox *self;        /* (owned) */
  GSubprocess        *process;     /* (owned): the outer bwrap */
  GInputStream       *info;        /* (owned) (nullable): bwrap's --info-fd */
  GByteArray         *info_data;   /* (owned) */
  GPid                child_pid;   /* the sandbox's pid 1, seen from here; 0 until known */
  gboolean            kill_requested;
  GInputStream       *stdout_pipe; /* (unowned) */
  SwarmdOutputCap    *cap;
  GCancellable       *read_cancellable;  /* (owned) */
  gint64              started_us;
  guint               timeout_id;
  guint               drain_id;
  gulong              cancel_id;
  GCancellable       *cancellable; /* (owned) (nullable): the caller's */
  gboolean            timed_out;
  gboolean            stopped;
  gboolean            eof;
  gboolean            exited;
};

static void
exec_free (Exec *ex)
{
  if (ex->self != NULL && ex->self->running == ex)
    ex->self->running = NULL;
  g_clear_object (&ex->info);
  g_clear_pointer (&ex->info_data, g_byte_array_unref);
  g_clear_handle_id (&ex->timeout_id, g_source_remove);
  g_clear_handle_id (&ex->drain_id, g_source_remove);
  if (ex->cancellable != NULL)
    {
      g_cancellable_disconnect (ex->cancellable, ex->cancel_id);
      g_object_unref (ex->cancellable);
    }
  g_clear_object (&ex->read_cancellable);
  g_clear_object (&ex->process);
  g_clear_pointer (&ex->cap, swarmd_output_cap_free);
  g_clear_object (&ex->self);
  g_free (ex);
}

/* Tools -------------------------------------------------------------------- */

static gboolean
have_program (const char *path)
{
  return g_file_test (path, G_FILE_TEST_IS_EXECUTABLE);
}

/**
 * swarmd_local_driver_available:
 * @reason: (out) (optional): why not
 *
 * The local driver needs bwrap, and a kernel that lets it build namespaces
 * (inside Flatpak it cannot).
 */
gboolean
swarmd_local_driver_available (char **reason)
{
  g_autofree char *bwrap = NULL;

  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    {
      if (reason != NULL)
        *reason = g_strdup ("bubblewrap cannot create namespaces inside Flatpak");
      return FALSE;
    }

  bwrap = g_find_program_in_path ("bwrap");
  if (bwrap == NULL)
    {
      if (reason != NULL)
        *reason = g_strdup ("bubblewrap (bwrap) is not installed");
      return FALSE;
    }

  return TRUE;
}

/**
 * swarmd_local_template_available:
 * @reason: (out) (optional): the missing tool, as a sentence
 *
 * `base` needs nothing; `python` needs python3; `nodejs` and `react` need
 * node and npm — all from /usr, the only tree the sandbox sees.
 */
gboolean
swarmd_local_template_available (const char  *template_id,
                                 char       **reason)
{
  const char *missing = NULL;

  if (!swarmd_local_driver_available (reason))
    return FALSE;

  if (g_strcmp0 (template_id, "base") == 0)
    return TRUE;

  if (g_strcmp0 (template_id, "python") == 0)
    {
      if (!have_program ("/usr/bin/python3"))
        missing = "python3";
    }
  else if (g_strcmp0 (template_id, "nodejs") == 0 || g_strcmp0 (template_id, "react") == 0)
    {
      if (!have_program ("/usr/bin/node"))
        missing = "node";
      else if (!have_program ("/usr/bin/npm"))
        missing = "npm";
    }
  else
    {
      if (reason != NULL)
        *reason = g_strdup_printf ("the local driver has no template “%s”", template_id);
      return FALSE;
    }

  if (missing != NULL)
    {
      if (reason != NULL)
        *reason = g_strdup_printf ("%s is not installed on this computer", missing);
      return FALSE;
    }

  return TRUE;
}

/**
 * swarmd_local_sandbox_new_id:
 *
 * Returns: (transfer full): `local-` and 12 random lower-case letters and digits
 */
char *
swarmd_local_sandbox_new_id (void)
{
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  char id[] = "local-............";
  guint8 bytes[12];

  if (getrandom (bytes, sizeof bytes, 0) != (ssize_t) sizeof bytes)
    for (guint i = 0; i < sizeof bytes; i++)
      bytes[i] = (guint8) g_random_int ();

  for (guint i = 0; i < sizeof bytes; i++)
    id[6 + i] = alphabet[bytes[i] % (sizeof alphabet - 1)];

  return g_strdup (id);
}

/* Paths ----------------------------------------------------------------------- */

/* Maps a path as the agent sees it (absolute under /home/user, or relative
 * to it) to one in the workspace, refusing anything outside. */
static char *
host_path (SwarmdLocalSandbox  *self,
           const char          *path,
           GError             **error)
{
  g_autofree char *relative = NULL;
  g_autofree char *joined = NULL;
  g_autofree char *canonical = NULL;

  if (path == NULL || *path == '\0')
    goto outside;

  if (g_path_is_absolute (path))
    {
      if (g_str_equal (path, HOME_INSIDE))
        relative = g_strdup (".");
      else if (g_str_has_prefix (path, HOME_INSIDE "/"))
        relative = g_strdup (path + strlen (HOME_INSIDE "/"));
      else
        goto outside;
    }
  else
    {
      relative = g_strdup (path);
    }

  joined = g_build_filename (self->workspace, relative, NULL);
  canonical = g_canonicalize_filename (joined, NULL);

  if (!g_str_equal (canonical, self->workspace) &&
      !(g_str_has_prefix (canonical,
                          self->workspace) && canonical[strlen (self->workspace)] == '/'))
    goto outside;

  return g_steal_pointer (&canonical);

outside:
  g_set_error (error, SWARMD_SANDBOX_ERROR, SWARMD_SANDBOX_ERROR_PATH,
               "“%s” is outside the workspace (%s).", path != NULL ? path : "", HOME_INSIDE);
  return NULL;
}

/* Follows symbolic links and checks the result is still inside. */
static gboolean
check_real_path (SwarmdLocalSandbox  *self,
                 const char          *path,
                 const char          *shown,
                 GError             **error)
{
  g_autofree char *real = realpath (path, NULL);
  g_autofree char *workspace = realpath (self->workspace, NULL);

  if (real == NULL)
    {
      int saved = errno;

      g_set_error (error, SWARMD_SANDBOX_ERROR,
                   saved == ENOENT ? SWARMD_SANDBOX_ERROR_NOT_FOUND : SWARMD_SANDBOX_ERROR_FAILED,
                   "%s: %s", shown, g_strerror (saved));
      return FALSE;
    }

  if (workspace == NULL ||
      (!g_str_equal (real, workspace) &&
       !(g_str_has_prefix (real, workspace) && real[strlen (workspace)] == '/')))
    {
      g_set_error (error, SWARMD_SANDBOX_ERROR, SWARMD_SANDBOX_ERROR_PATH,
                   "“%s” leads outside the workspace.", shown);
      return FALSE;
    }

  return TRUE;
}

/* Commands -------------------------------------------------------------------- */

static void
child_setup (gpointer user_data)
{
  struct rlimit limit;

  /* Only async-signal-safe calls here: this runs between fork and exec. */
  limit.rlim_cur = limit.rlim_max = (rlim_t) 8 * 1024 * 1024 * 1024;   /* address space */
  setrlimit (RLIMIT_AS, &limit);
  limit.rlim_cur = limit.rlim_max = (rlim_t) 1024 * 1024 * 1024;       /* file size */
  setrlimit (RLIMIT_FSIZE, &limit);
  limit.rlim_cur = limit.rlim_max = 4096;                              /* processes */
  setrlimit (RLIMIT_NPROC, &limit);
  limit.rlim_cur = limit.rlim_max = 1024;                              /* open files */
  setrlimit (RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max = 0;                                 /* core dumps */
  setrlimit (RLIMIT_CORE, &limit);
}

static char **
build_environ (SwarmdLocalSandbox *self)
{
  GHashTable *agent_env = swarmd_sandbox_get_environment (SWARMD_SANDBOX (self));
  char **envp = NULL;
  GHashTableIter iter;
  gpointer key, value;

  envp = g_environ_setenv (envp, "PATH", "/usr/local/bin:/usr/bin:/bin", TRUE);
  envp = g_environ_setenv (envp, "HOME", HOME_INSIDE, TRUE);
  envp = g_environ_setenv (envp, "LANG", "C.UTF-8", TRUE);
  envp = g_environ_setenv (envp, "TERM", "dumb", TRUE);
  envp = g_environ_setenv (envp, "PAGER", "cat", TRUE);
  envp = g_environ_setenv (envp, "GIT_PAGER", "cat", TRUE);
  envp = g_environ_setenv (envp, "PIP_PROGRESS_BAR", "off", TRUE);

  if (agent_env != NULL)
    {
      g_hash_table_iter_init (&iter, agent_env);
      while (g_hash_table_iter_next (&iter, &key, &value))
        envp = g_environ_setenv (envp, key, value, TRUE);
    }

  return envp;
}

static void
wipe_environ (char **envp)
{
  for (guint i = 0; envp != NULL && envp[i] != NULL; i++)
    swarm_str_wipe (envp[i]);
  g_strfreev (envp);
}

static GPtrArray *
build_argv (SwarmdLocalSandbox *self,
            const char         *command)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  static const char * const fixed[] = {
    "bwrap",
    "--info-fd", "3",
    "--unshare-all",
    "--die-with-parent",
    "--new-session",
    "--ro-bind", "/usr", "/usr",
    "--symlink", "usr/bin", "/bin",
    "--symlink", "usr/sbin", "/sbin",
    "--symlink", "usr/lib", "/lib",
    "--proc", "/proc",
    "--dev", "/dev",
    "--tmpfs", "/tmp",
    "--dir", "/etc",
  };

  for (guint i = 0; i < G_N_ELEMENTS (fixed); i++)
    g_ptr_array_add (argv, g_strdup (fixed[i]));

  if (g_file_test ("/usr/lib64", G_FILE_TEST_IS_DIR))
    {
      g_ptr_array_add (argv, g_strdup ("--symlink"));
      g_ptr_array_add (argv, g_strdup ("usr/lib64"));
      g_ptr_array_add (argv, g_strdup ("/lib64"));
    }

  /* Programs such as node are reached through /etc/alternatives. */
  if (g_file_test ("/etc/alternatives", G_FILE_TEST_IS_DIR))
    {
      g_ptr_array_add (argv, g_strdup ("--ro-bind"));
      g_ptr_array_add (argv, g_strdup ("/etc/alternatives"));
      g_ptr_array_add (argv, g_strdup ("/etc/alternatives"));
    }

  if (swarmd_sandbox_get_network (SWARMD_SANDBOX (self)))
    {
      static const char * const net_files[] = { "/etc/resolv.conf", "/etc/hosts", "/etc/ssl",
                                                "/etc/ca-certificates", "/etc/nsswitch.conf" };

      g_ptr_array_add (argv, g_strdup ("--share-net"));
      for (guint i = 0; i < G_N_ELEMENTS (net_files); i++)
        {
          if (!g_file_test (net_files[i], G_FILE_TEST_EXISTS))
            continue;
          g_ptr_array_add (argv, g_strdup ("--ro-bind"));
          g_ptr_array_add (argv, g_strdup (net_files[i]));
          g_ptr_array_add (argv, g_strdup (net_files[i]));
        }
    }

  g_ptr_array_add (argv, g_strdup ("--bind"));
  g_ptr_array_add (argv, g_strdup (self->workspace));
  g_ptr_array_add (argv, g_strdup (HOME_INSIDE));
  g_ptr_array_add (argv, g_strdup ("--chdir"));
  g_ptr_array_add (argv, g_strdup (HOME_INSIDE));
  g_ptr_array_add (argv, g_strdup ("--"));
  g_ptr_array_add (argv,
                   g_strdup (have_program ("/usr/bin/bash") ? "/usr/bin/bash" : "/usr/bin/sh"));
  g_ptr_array_add (argv, g_strdup ("-c"));
  g_ptr_array_add (argv, g_strdup (command));
  g_ptr_array_add (argv, NULL);

  return argv;
}

static void
maybe_complete (GTask *task)
{
  Exec *ex = g_task_get_task_data (task);
  SwarmdExecResult *result;

  if (!ex->eof || !ex->exited)
    return;

  if (ex->self->running == ex)
    ex->self->running = NULL;

  result = g_new0 (SwarmdExecResult, 1);
  result->timed_out = ex->timed_out;
  result->stopped = ex->stopped;
  result->duration_ms = (g_get_monotonic_time () - ex->started_us) / 1000;
  if (g_subprocess_get_if_exited (ex->process))
    result->exit_code = g_subprocess_get_exit_status (ex->process);
  else
    result->exit_code = -1;
  result->output = swarmd_output_cap_finish (ex->cap, &result->total_bytes, &result->elided_bytes);

  g_task_return_pointer (task, result, (GDestroyNotify) swarmd_exec_result_free);
}

static void read_more (GTask *task);

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  Exec *ex = g_task_get_task_data (task);
  g_autoptr(GBytes) chunk = NULL;
  g_autoptr(GError) error = NULL;

  chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);
  if (chunk == NULL || g_bytes_get_size (chunk) == 0)
    {
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Reading command output failed: %s", error->message);
      ex->eof = TRUE;
      g_clear_handle_id (&ex->drain_id, g_source_remove);
      maybe_complete (task);
      g_object_unref (task);   /* the reader's reference */
      return;
    }

  swarmd_output_cap_add (ex->cap, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
  read_more (task);
}

static void
read_more (GTask *task)
{
  Exec *ex = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (ex->stdout_pipe, 64 * 1024, G_PRIORITY_DEFAULT,
                                   ex->read_cancellable, read_cb, task);
}

static void
wait_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  Exec *ex = g_task_get_task_data (task);

  g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL);
  ex->exited = TRUE;
  g_clear_handle_id (&ex->timeout_id, g_source_remove);
  maybe_complete (task);
  g_object_unref (task);   /* the waiter's reference */
}

static gboolean
drain_timeout_cb (gpointer user_data)
{
  Exec *ex = user_data;

  /* Something outside the namespace kept the pipe open: stop waiting. */
  ex->drain_id = 0;
  g_cancellable_cancel (ex->read_cancellable);
  return G_SOURCE_REMOVE;
}

/* Killing the sandbox's pid 1 tears its whole PID namespace down, and the
 * outer bwrap then exits by itself.  Killing only the outer bwrap is not
 * enough: caught while it starts, its child can outlive it.  Until bwrap
 * has told us the pid, the kill waits for it; the outer goes too, soon
 * after, whatever happens. */
static void
kill_exec (Exec *ex)
{
  ex->kill_requested = TRUE;

  if (ex->child_pid > 0 && !ex->exited)
    kill (ex->child_pid, SIGKILL);

  if (!ex->exited)
    g_subprocess_force_exit (ex->process);

  if (ex->drain_id == 0 && !ex->eof)
    ex->drain_id = g_timeout_add (DRAIN_AFTER_KILL_MS, drain_timeout_cb, ex);
}

static void
parse_info (Exec *ex)
{
  g_autoptr(GBytes) bytes = g_bytes_new (ex->info_data->data, ex->info_data->len);
  g_autoptr(JsonNode) root = swarm_json_parse_bytes (bytes, NULL);
  gint64 pid = 0;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      !swarm_json_get_int (json_node_get_object (root), "child-pid", TRUE, 1, G_MAXINT32,
                           &pid, NULL))
    {
      g_debug ("bwrap gave no child pid");
      return;
    }

  ex->child_pid = (GPid) pid;
  if (ex->kill_requested && !ex->exited)
    kill (ex->child_pid, SIGKILL);
}

static void
info_read_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  Exec *ex = g_task_get_task_data (task);
  g_autoptr(GBytes) chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object),
                                                              result, NULL);

  if (chunk != NULL && g_bytes_get_size (chunk) > 0 && ex->info_data->len < 4096)
    {
      g_byte_array_append (ex->info_data, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
      g_input_stream_read_bytes_async (ex->info, 1024, G_PRIORITY_HIGH, NULL, info_read_cb, task);
      return;
    }

  parse_info (ex);
  g_object_unref (task);
}

static gboolean
exec_timeout_cb (gpointer user_data)
{
  Exec *ex = user_data;

  ex->timeout_id = 0;
  ex->timed_out = TRUE;
  kill_exec (ex);
  return G_SOURCE_REMOVE;
}

static void
on_exec_cancelled_cb (GCancellable *cancellable,
                      gpointer      user_data)
{
  Exec *ex = user_data;

  ex->stopped = TRUE;
  kill_exec (ex);
}

static void
swarmd_local_sandbox_exec_async (SwarmdSandbox       *sandbox,
                                 const char          *command,
                                 guint                timeout_s,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  SwarmdLocalSandbox *self = SWARMD_LOCAL_SANDBOX (sandbox);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = NULL;
  g_autoptr(GError) error = NULL;
  GTask *task;
  Exec *ex;
  char **envp;
  int info_fds[2] = { -1, -1 };

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, swarmd_local_sandbox_exec_async);

  if (!g_file_test (self->workspace, G_FILE_TEST_IS_DIR))
    {
      g_task_return_new_error (task, SWARMD_SANDBOX_ERROR, SWARMD_SANDBOX_ERROR_NOT_FOUND,
                               "The sandbox %s no longer exists.", swarmd_sandbox_get_id (sandbox));
      g_object_unref (task);
      return;
    }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_stdin_file_path (launcher, "/dev/null");
  envp = build_environ (self);
  g_subprocess_launcher_set_environ (launcher, envp);
  wipe_environ (envp);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);

  argv = build_argv (self, command);

  /* bwrap tells the sandbox's pid 1 on fd 3, so a stop can kill the lot. */
  if (!g_unix_open_pipe (info_fds, FD_CLOEXEC, &error))
    {
      g_task_return_new_error (task, SWARMD_SANDBOX_ERROR, SWARMD_SANDBOX_ERROR_FAILED,
                               "Could not create a pipe: %s", error->message);
      g_object_unref (task);
      return;
    }
  g_subprocess_launcher_take_fd (launcher, info_fds[1], 3);

  ex = g_new0 (Exec, 1);
  ex->self = g_object_ref (self);
  ex->info = g_unix_input_stream_new (info_fds[0], TRUE);
  ex->info_data = g_byte_array_new ();
  ex->cap = swarmd_output_cap_new ();
  ex->read_cancellable = g_cancellable_new ();
  ex->started_us = g_get_monotonic_time ();
  g_task_set_task_data (task, ex, (GDestroyNotify) exec_free);

  ex->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  /* The launcher's copy of the environment goes with it; the child has its own. */
  g_subprocess_launcher_set_environ (launcher, NULL);

  if (ex->process == NULL)
    {
      g_task_return_new_error (task, SWARMD_SANDBOX_ERROR, SWARMD_SANDBOX_ERROR_FAILED,
                               "Could not start bubblewrap: %s", error->message);
      g_object_unref (task);
      return;
    }

  self->running = ex;
  ex->stdout_pipe = g_subprocess_get_stdout_pipe (ex->process);

  if (timeout_s > 0)
    ex->timeout_id = g_timeout_add_seconds (timeout_s, exec_timeout_cb, ex);
  if (cancellable != NULL)
    {
      ex->cancellable = g_object_ref (cancellable);
      ex->cancel_id = g_cancellable_connect (cancellable,
                                             G_CALLBACK (on_exec_cancelled_cb), ex, NULL);
    }

  /* Three operations hold the task: the info reader, the output reader and
   * the waiter. */
  g_input_stream_read_bytes_async (ex->info, 1024, G_PRIORITY_HIGH, NULL, info_read_cb,
                                   g_object_ref (task));
  g_object_ref (task);
  read_more (task);
  g_subprocess_wait_async (ex->process, NULL, wait_cb, task);
}

static SwarmdExecResult *
swarmd_local_sandbox_exec_finish (SwarmdSandbox  *sandbox,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, sandbox), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Files ----------------------------------------------------------------------- */

static GBytes *
swarmd_local_sandbox_read_file (SwarmdSandbox  *sandbox,
                                const char     *path,
                                GError        **error)
{
  SwarmdLocalSandbox *self = SWARMD_LOCAL_SANDBOX (sandbox);
  g_autofree char *host = host_path (self, path, error);
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GString) out = NULL;
  g_autofree char *valid = NULL;
  gsize length;

  if (host == NULL || !check_real_path (self, host, path, error))
    return NULL;

  if (g_file_test (host, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, SWARMD_SANDBOX_ERROR, SWARMD_SANDBOX_ERROR_FAILED,
                   "%s is a directory; list it with run_command (ls).", path);
      return NULL;
    }

  mapped = g_mapped_file_new (host, FALSE, error);
  if (mapped == NULL)
    return NULL;

  length = g_mapped_file_get_length (mapped);
  valid = g_utf8_make_valid (g_mapped_file_get_contents (mapped) ? g_mapped_file_get_contents (mapped) : "",
                             MIN (length, (gsize) READ_MAX));
  out = g_string_new (valid);
  if (length > READ_MAX)
    g_string_append_printf (out, "\n[… the file has %" G_GSIZE_FORMAT " more bytes; "
                            "read parts of it with run_command (sed, head, tail) …]\n", length - READ_MAX);

  return g_string_free_to_bytes (g_steal_pointer (&out));
}

static gboolean
swarmd_local_sandbox_write_file (SwarmdSandbox  *sandbox,
                                 const char     *path,
                                 const char     *content,
                                 gsize           length,
                                 GError        **error)
{
  SwarmdLocalSandbox *self = SWARMD_LOCAL_SANDBOX (sandbox);
  g_autofree char *host = host_path (self, path, error);
  g_autofree char *parent = NULL;

  if (host == NULL)
    return FALSE;

  if (g_str_equal (host, self->workspace))
    {
      g_set_error (error, SWARMD_SANDBOX_ERROR, SWARMD_SANDBOX_ERROR_PATH,
                   "%s is the workspace itself, not a file.", path);
      return FALSE;
    }

  parent = g_path_get_dirname (host);
  if (g_mkdir_with_parents (parent, 0755) != 0)
    {
      int saved = errno;

      g_set_error (error, SWARMD_SANDBOX_ERROR, SWARMD_SANDBOX_ERROR_FAILED,
                   "Cannot create the folder of %s: %s", path, g_strerror (saved));
      return FALSE;
    }

  /* The folder, after links, must still be inside; the file itself is
   * replaced by rename, so a link there is replaced, not followed. */
  if (!check_real_path (self, parent, path, error))
    return FALSE;

  return g_file_set_contents_full (host, content, length, G_FILE_SET_CONTENTS_CONSISTENT,
                                   0644, error);
}

/* Lifetime --------------------------------------------------------------------- */

static gboolean
swarmd_local_sandbox_create (SwarmdSandbox  *sandbox,
                             GError        **error)
{
  SwarmdLocalSandbox *self = SWARMD_LOCAL_SANDBOX (sandbox);

  if (g_mkdir_with_parents (self->workspace, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, SWARMD_SANDBOX_ERROR, SWARMD_SANDBOX_ERROR_FAILED,
                   "Cannot create the workspace %s: %s", self->workspace, g_strerror (saved));
      return FALSE;
    }

  return TRUE;
}

static void
swarmd_local_sandbox_stop (SwarmdSandbox *sandbox)
{
  SwarmdLocalSandbox *self = SWARMD_LOCAL_SANDBOX (sandbox);

  if (self->running != NULL)
    kill_exec (self->running);
}

static gboolean
remove_tree (const char  *path,
             GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileEnumerator) children = NULL;
  g_autoptr(GError) local_error = NULL;
  GFileInfo *info;

  children = g_file_enumerate_children (file,
                                        G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, &local_error);
  if (children == NULL && !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  while (children != NULL && (info = g_file_enumerator_next_file (children, NULL, error)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, g_file_info_get_name (info), NULL);
      gboolean dir = g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY;

      g_object_unref (info);
      if (dir ? !remove_tree (child, error) : g_unlink (child) != 0)
        {
          if (error != NULL && *error == NULL)
            g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "%s: %s", child,
                         g_strerror (errno));
          return FALSE;
        }
    }

  if (g_rmdir (path) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "%s: %s", path,
                   g_strerror (errno));
      return FALSE;
    }

  return TRUE;
}

static gboolean
swarmd_local_sandbox_destroy (SwarmdSandbox  *sandbox,
                              GError        **error)
{
  SwarmdLocalSandbox *self = SWARMD_LOCAL_SANDBOX (sandbox);

  swarmd_local_sandbox_stop (sandbox);

  if (!g_file_test (self->workspace, G_FILE_TEST_EXISTS))
    return TRUE;

  return remove_tree (self->workspace, error);
}

static void
swarmd_local_sandbox_dispose (GObject *object)
{
  SwarmdLocalSandbox *self = SWARMD_LOCAL_SANDBOX (object);

  if (self->running != NULL)
    kill_exec (self->running);

  G_OBJECT_CLASS (swarmd_local_sandbox_parent_class)->dispose (object);
}

static void
swarmd_local_sandbox_finalize (GObject *object)
{
  SwarmdLocalSandbox *self = SWARMD_LOCAL_SANDBOX (object);

  g_free (self->workspace);

  G_OBJECT_CLASS (swarmd_local_sandbox_parent_class)->finalize (object);
}

static void
swarmd_local_sandbox_class_init (SwarmdLocalSandboxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SwarmdSandboxClass *sandbox_class = SWARMD_SANDBOX_CLASS (klass);

  object_class->dispose = swarmd_local_sandbox_dispose;
  object_class->finalize = swarmd_local_sandbox_finalize;

  sandbox_class->create = swarmd_local_sandbox_create;
  sandbox_class->exec_async = swarmd_local_sandbox_exec_async;
  sandbox_class->exec_finish = swarmd_local_sandbox_exec_finish;
  sandbox_class->read_file = swarmd_local_sandbox_read_file;
  sandbox_class->write_file = swarmd_local_sandbox_write_file;
  sandbox_class->stop = swarmd_local_sandbox_stop;
  sandbox_class->destroy = swarmd_local_sandbox_destroy;
}

static void
swarmd_local_sandbox_init (SwarmdLocalSandbox *self)
{
}

/**
 * swarmd_local_sandbox_new:
 * @sandboxes_dir: STATE/sandboxes
 * @sandbox_id: the id, `local-…`
 */
SwarmdSandbox *
swarmd_local_sandbox_new (const char *sandboxes_dir,
                          const char *sandbox_id)
{
  SwarmdLocalSandbox *self = g_object_new (SWARMD_TYPE_LOCAL_SANDBOX, "id", sandbox_id, NULL);
  g_autofree char *path = g_build_filename (sandboxes_dir, sandbox_id, NULL);

  self->workspace = g_canonicalize_filename (path, NULL);
  return SWARMD_SANDBOX (self);
}

const char *
swarmd_local_sandbox_get_workspace (SwarmdLocalSandbox *self)
{
  g_return_val_if_fail (SWARMD_IS_LOCAL_SANDBOX (self), NULL);

  return self->workspace;
}
