/* swarm-test-utils.c — helpers shared by the test suites
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "swarm-test-utils.h"

/* A GAsyncReadyCallback that keeps the result in *(GAsyncResult **) user_data. */
void
swarm_test_store_result_cb (GObject      *object,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  g_assert_null (*slot);
  *slot = g_object_ref (result);
}

/* Spins the default main context until *slot is set; returns it (owned). */
GAsyncResult *
swarm_test_wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);

  return g_steal_pointer (slot);
}

/* Waits for *slot and keeps the result in *done (owned, dropping the one
 * there before); returns it, for a finish call in the same expression. */
GAsyncResult *
swarm_test_wait_result_into (GAsyncResult **slot,
                             GAsyncResult **done)
{
  g_clear_object (done);
  *done = swarm_test_wait_result (slot);
  return *done;
}

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Spins the main context until check() is true or timeout_ms passes.  A
 * 10 ms tick wakes the loop, for conditions no source announces (a
 * process appearing, say). */
gboolean
swarm_test_wait_until (gboolean (*check) (gpointer data),
                       gpointer   data,
                       guint      timeout_ms)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add (timeout_ms, timeout_cb, &expired);
  guint tick = g_timeout_add (10, tick_cb, NULL);

  while (!check (data) && !expired)
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (tick);
  if (!expired)
    g_source_remove (id);

  return check (data);
}

void
swarm_test_spin_ms (guint ms)
{
  gboolean expired = FALSE;

  g_timeout_add (ms, timeout_cb, &expired);
  while (!expired)
    g_main_context_iteration (NULL, TRUE);
}

/* The bytes of tests/data/<name>. */
GBytes *
swarm_test_load_data (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, &error))
    g_error ("Cannot read %s: %s", path, error->message);

  return g_bytes_new_take (contents, length);
}

static gboolean
is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* Drops the caller's reference and asserts the object is finalized within
 * two seconds: a GTask run in a thread may release its source object a
 * moment after its callback ran. */
void
swarm_test_assert_finalize_soon (gpointer object)
{
  gpointer weak = object;

  g_object_add_weak_pointer (G_OBJECT (object), &weak);
  g_object_unref (object);
  if (!swarm_test_wait_until (is_null, &weak, 2000))
    g_error ("%s %p was not finalized", G_OBJECT_TYPE_NAME (object), weak);
}

/* Whether @needle is in @data, NUL bytes included (binary files). */
gboolean
swarm_test_bytes_contain (const char *data,
                          gsize       length,
                          const char *needle)
{
  return memmem (data, length, needle, strlen (needle)) != NULL;
}

/* Processes whose command line contains @needle (or, with @exact, is
 * @needle), besides ourselves. */
guint
swarm_test_count_processes (const char *needle,
                            gboolean    exact)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;
  guint n = 0;

  while ((name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *cmdline = NULL;
      gsize length = 0;

      if (!g_ascii_isdigit (name[0]) || atoi (name) == getpid ())
        continue;

      path = g_build_filename ("/proc", name, "cmdline", NULL);
      if (!g_file_get_contents (path, &cmdline, &length, NULL))
        continue;

      for (gsize i = 0; i + 1 < length; i++)
        if (cmdline[i] == '\0')
          cmdline[i] = ' ';
      if (exact ? g_strcmp0 (cmdline, needle) == 0
                : swarm_test_bytes_contain (cmdline, length, needle))
        n++;
    }

  return n;
}

/* A self-signed certificate for 127.0.0.1, made by openssl in @dir; with
 * @openssl_fingerprint, also its SHA-256 fingerprint as openssl computes
 * it (AB:CD:…), to check ours against. */
GTlsCertificate *
swarm_test_make_certificate (const char  *dir,
                             char       **openssl_fingerprint)
{
  g_autofree char *cert = g_build_filename (dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
  g_autofree char *quoted_cert = g_shell_quote (cert);
  g_autofree char *quoted_key = g_shell_quote (key);
  g_autofree char *command = NULL;
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  GTlsCertificate *certificate;
  int status = -1;

  command = g_strdup_printf ("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
                             "-keyout %s -out %s", quoted_key, quoted_cert);
  g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);

  if (openssl_fingerprint != NULL)
    {
      const char *equals;

      g_free (command);
      command = g_strdup_printf ("openssl x509 -noout -fingerprint -sha256 -in %s", quoted_cert);
      g_assert_true (g_spawn_command_line_sync (command, &out, NULL, &status, &error));
      g_assert_no_error (error);
      g_assert_cmpint (status, ==, 0);
      equals = strchr (out, '=');
      g_assert_nonnull (equals);
      *openssl_fingerprint = g_strstrip (g_strdup (equals + 1));
    }

  certificate = g_tls_certificate_new_from_files (cert, key, &error);
  g_assert_no_error (error);

  return certificate;
}

/* Saves @secret for @kind and @url in the keyring, or with %NULL removes
 * it; asserts it worked. */
void
swarm_test_secret_store (SwarmSecretKind  kind,
                         const char      *url,
                         const char      *secret)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GError) error = NULL;

  if (secret != NULL)
    {
      swarm_secrets_store_async (kind, url, secret, 0, NULL, swarm_test_store_result_cb, &result);
      g_assert_true (swarm_secrets_store_finish (swarm_test_wait_result_into (&result, &done), &error));
    }
  else
    {
      swarm_secrets_clear_async (kind, url, 0, NULL, swarm_test_store_result_cb, &result);
      g_assert_true (swarm_secrets_clear_finish (swarm_test_wait_result_into (&result, &done), &error));
    }
  g_assert_no_error (error);
}

/* The keyring's secret for @kind and @url (NULL: none); asserts no error. */
char *
swarm_test_secret_lookup (SwarmSecretKind  kind,
                          const char      *url)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GError) error = NULL;
  char *secret;

  swarm_secrets_lookup_async (kind, url, 0, NULL, swarm_test_store_result_cb, &result);
  secret = swarm_secrets_lookup_finish (swarm_test_wait_result_into (&result, &done), &error);
  g_assert_no_error (error);

  return secret;
}
