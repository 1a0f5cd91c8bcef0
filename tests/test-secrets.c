/* test-secrets.c — keys and tokens in a real gnome-keyring, and what the
 * user sees when there is none, when it is locked, or when it never
 * answers
 *
 * Runs under tests/with-keyring.sh: a private D-Bus session with an
 * unlocked gnome-keyring.  The failure paths run in child processes of
 * this binary with a different session bus.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <libsecret/secret.h>

#include "swarm-core.h"
#include "swarm-test-utils.h"

#define URL_A "http://127.0.0.1:8001"
#define URL_B "https://swarm.example.org:443"

typedef struct
{
  char   *secret;
  GError *error;
  gint64  elapsed_ms;
} Outcome;

static void
outcome_clear (Outcome *o)
{
  swarm_secret_free (o->secret);
  g_clear_error (&o->error);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Outcome, outcome_clear)

static Outcome
lookup (SwarmSecretKind  kind,
        const char      *url,
        guint            timeout_ms)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  Outcome o = { NULL, NULL, 0 };
  gint64 start = g_get_monotonic_time ();

  swarm_secrets_lookup_async (kind, url, timeout_ms, NULL, swarm_test_store_result_cb, &result);
  done = swarm_test_wait_result (&result);
  o.secret = swarm_secrets_lookup_finish (done, &o.error);
  o.elapsed_ms = (g_get_monotonic_time () - start) / 1000;

  return o;
}

static void
test_round_trip (void)
{
  /* Nothing there yet: no secret, and no error either. */
  {
    g_auto(Outcome) o = lookup (SWARM_SECRET_LLM_KEY, NULL, 0);

    g_assert_no_error (o.error);
    g_assert_null (o.secret);
  }

  swarm_test_secret_store (SWARM_SECRET_LLM_KEY, NULL, "sk-test-first");
  swarm_test_secret_store (SWARM_SECRET_BACKEND_TOKEN, URL_A, "token-for-a");
  swarm_test_secret_store (SWARM_SECRET_BACKEND_TOKEN, URL_B, "token-for-b");

  {
    g_auto(Outcome) o = lookup (SWARM_SECRET_LLM_KEY, NULL, 0);

    g_assert_no_error (o.error);
    g_assert_cmpstr (o.secret, ==, "sk-test-first");
  }
  {
    g_auto(Outcome) a = lookup (SWARM_SECRET_BACKEND_TOKEN, URL_A, 0);
    g_auto(Outcome) b = lookup (SWARM_SECRET_BACKEND_TOKEN, URL_B, 0);

    g_assert_cmpstr (a.secret, ==, "token-for-a");
    g_assert_cmpstr (b.secret, ==, "token-for-b");
  }

  /* Storing again replaces: one item per kind and URL. */
  swarm_test_secret_store (SWARM_SECRET_LLM_KEY, NULL, "sk-test-second");
  {
    g_auto(Outcome) o = lookup (SWARM_SECRET_LLM_KEY, NULL, 0);

    g_assert_cmpstr (o.secret, ==, "sk-test-second");
  }

  swarm_test_secret_store (SWARM_SECRET_BACKEND_TOKEN, URL_A, NULL);
  {
    g_auto(Outcome) a = lookup (SWARM_SECRET_BACKEND_TOKEN, URL_A, 0);
    g_auto(Outcome) b = lookup (SWARM_SECRET_BACKEND_TOKEN, URL_B, 0);

    g_assert_no_error (a.error);
    g_assert_null (a.secret);
    g_assert_cmpstr (b.secret, ==, "token-for-b");
  }

  /* The URL may be freed as soon as the call returns. */
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GAsyncResult) done = NULL;
    g_autoptr(GError) error = NULL;
    char *url = g_strdup (URL_B);
    char *secret;

    swarm_secrets_lookup_async (SWARM_SECRET_BACKEND_TOKEN, url, 0, NULL, swarm_test_store_result_cb, &result);
    memset (url, 'x', strlen (url));
    g_free (url);
    done = swarm_test_wait_result (&result);
    secret = swarm_secrets_lookup_finish (done, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (secret, ==, "token-for-b");
    swarm_secret_free (secret);
  }

  /* Clearing what is not there is not an error. */
  swarm_test_secret_store (SWARM_SECRET_BACKEND_TOKEN, URL_A, NULL);
  swarm_test_secret_store (SWARM_SECRET_LLM_KEY, NULL, NULL);
  swarm_test_secret_store (SWARM_SECRET_BACKEND_TOKEN, URL_B, NULL);
}

/* The items carry the schema and attributes the daemon and other tools
 * look for. */
static void
test_schema (void)
{
  g_autoptr(GHashTable) attributes = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GList) items = NULL;
  SecretService *service;

  swarm_test_secret_store (SWARM_SECRET_BACKEND_TOKEN, URL_B, "token-for-b");

  secret_service_get (SECRET_SERVICE_NONE, NULL, swarm_test_store_result_cb, &result);
  done = swarm_test_wait_result (&result);
  service = secret_service_get_finish (done, &error);
  g_assert_no_error (error);
  g_clear_object (&done);

  g_hash_table_insert (attributes, (gpointer) "kind", (gpointer) "backend-token");
  g_hash_table_insert (attributes, (gpointer) "url", (gpointer) URL_B);
  secret_service_search (service, NULL, attributes, SECRET_SEARCH_ALL, NULL,
                         swarm_test_store_result_cb, &result);
  done = swarm_test_wait_result (&result);
  items = secret_service_search_finish (service, done, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_length (items), ==, 1);
  {
    g_autofree char *schema = secret_item_get_schema_name (items->data);
    g_autofree char *label = secret_item_get_label (items->data);

    g_assert_cmpstr (schema, ==, "io.github.swarmyard.Swarmyard");
    g_assert_nonnull (strstr (label, URL_B));
  }

  g_list_free_full (g_steal_pointer (&items), g_object_unref);
  g_object_unref (service);
  swarm_test_secret_store (SWARM_SECRET_BACKEND_TOKEN, URL_B, NULL);
}

/* The login collection locked: a clear error, within the deadline. */
static void
test_locked (void)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SecretService) service = NULL;
  g_autoptr(SecretCollection) collection = NULL;
  GList *objects;

  /* Control: unlocked, the key is found. */
  swarm_test_secret_store (SWARM_SECRET_LLM_KEY, NULL, "sk-before-lock");
  {
    g_auto(Outcome) o = lookup (SWARM_SECRET_LLM_KEY, NULL, 0);

    g_assert_cmpstr (o.secret, ==, "sk-before-lock");
  }

  secret_service_get (SECRET_SERVICE_LOAD_COLLECTIONS, NULL, swarm_test_store_result_cb, &result);
  done = swarm_test_wait_result (&result);
  service = secret_service_get_finish (done, &error);
  g_assert_no_error (error);
  g_clear_object (&done);

  secret_collection_for_alias (service, SECRET_COLLECTION_DEFAULT, SECRET_COLLECTION_NONE, NULL,
                               swarm_test_store_result_cb, &result);
  done = swarm_test_wait_result (&result);
  collection = secret_collection_for_alias_finish (done, &error);
  g_assert_no_error (error);
  g_assert_nonnull (collection);
  g_clear_object (&done);

  objects = g_list_prepend (NULL, collection);
  secret_service_lock (service, objects, NULL, swarm_test_store_result_cb, &result);
  done = swarm_test_wait_result (&result);
  g_assert_cmpint (secret_service_lock_finish (service, done, NULL, &error), ==, 1);
  g_assert_no_error (error);
  g_list_free (objects);
  g_assert_true (secret_collection_get_locked (collection));

  {
    g_auto(Outcome) o = lookup (SWARM_SECRET_LLM_KEY, NULL, 1500);

    g_test_message ("locked: %s (%" G_GINT64_FORMAT " ms)",
                    o.error != NULL ? o.error->message : "no error", o.elapsed_ms);
    g_assert_null (o.secret);
    g_assert_nonnull (o.error);
    g_assert_true (g_error_matches (o.error, SWARM_SECRETS_ERROR, SWARM_SECRETS_ERROR_LOCKED) ||
                   g_error_matches (o.error, SWARM_SECRETS_ERROR, SWARM_SECRETS_ERROR_TIMEOUT));
    g_assert_cmpint (o.elapsed_ms, <, 1500 + 1000);
  }
}

/* ---- Children with another session bus ---------------------------------- */

/* In the child: one lookup, reported on stdout as "<domain-code> <ms> <message>". */
static int
run_child_lookup (guint timeout_ms)
{
  g_auto(Outcome) o = lookup (SWARM_SECRET_LLM_KEY, NULL, timeout_ms);

  if (o.error != NULL)
    g_print ("%d %" G_GINT64_FORMAT " %s\n",
             o.error->domain == SWARM_SECRETS_ERROR ? o.error->code : -1,
             o.elapsed_ms, o.error->message);
  else
    g_print ("ok %" G_GINT64_FORMAT " %s\n", o.elapsed_ms, o.secret != NULL ? "found" : "none");

  return 0;
}

static char *
run_child (const char *bus_address,
           guint       timeout_ms)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *timeout = g_strdup_printf ("%u", timeout_ms);
  const char *self_exe = g_test_get_filename (G_TEST_BUILT, "test-secrets", NULL);
  char *out = NULL;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", bus_address, TRUE);
  /* No X11 autolaunch of a bus, no portal: only the bus given. */
  g_subprocess_launcher_unsetenv (launcher, "DISPLAY");
  child = g_subprocess_launcher_spawn (launcher, &error, self_exe, "--child-lookup", timeout, NULL);
  g_assert_no_error (error);

  /* The main loop runs meanwhile: a fake service here may be the one the
   * child talks to. */
  g_subprocess_communicate_utf8_async (child, NULL, NULL, swarm_test_store_result_cb, &result);
  done = swarm_test_wait_result (&result);
  g_assert_true (g_subprocess_communicate_utf8_finish (child, done, &out, NULL, &error));
  g_assert_no_error (error);
  g_test_message ("child: %s", out);

  return out;
}

static void
test_no_service (void)
{
  g_autofree char *out = NULL;
  g_autofree char *expected = g_strdup_printf ("%d ", SWARM_SECRETS_ERROR_NO_SERVICE);

  /* Control: on the keyring's bus the same child finds the key. */
  swarm_test_secret_store (SWARM_SECRET_LLM_KEY, NULL, "sk-control");
  out = run_child (g_getenv ("DBUS_SESSION_BUS_ADDRESS"), 3000);
  g_assert_true (g_str_has_prefix (out, "ok "));
  g_assert_nonnull (strstr (out, "found"));
  g_clear_pointer (&out, g_free);

  out = run_child ("unix:path=/nonexistent/swarmyard-no-bus", 3000);
  g_assert_true (g_str_has_prefix (out, expected));
  g_assert_nonnull (strstr (out, "No keyring is available"));
  g_assert_nonnull (strstr (out, "SWARMYARD_LLM_API_KEY"));
  swarm_test_secret_store (SWARM_SECRET_LLM_KEY, NULL, NULL);
}

/* A Secret Service that takes calls and never answers: the deadline. */
static void
on_method_call_cb (GDBusConnection       *connection,
                   const char            *sender,
                   const char            *object_path,
                   const char            *interface_name,
                   const char            *method_name,
                   GVariant              *parameters,
                   GDBusMethodInvocation *invocation,
                   gpointer               user_data)
{
  GPtrArray *held = user_data;

  g_ptr_array_add (held, g_object_ref (invocation));
}

static void
test_no_answer (void)
{
  const char *argv[] = { "dbus-daemon", "--session", "--nofork", "--print-address=1", NULL };
  static const GDBusInterfaceVTable vtable = { on_method_call_cb, NULL, NULL, { 0 } };
  g_autoptr(GSubprocess) bus = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GDBusNodeInfo) node = NULL;
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  g_autofree char *out = NULL;
  g_autofree char *expected = g_strdup_printf ("%d ", SWARM_SECRETS_ERROR_TIMEOUT);
  GVariant *reply;
  guint registration;
  gint64 elapsed;

  bus = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (bus));
  address = g_data_input_stream_read_line (lines, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (address);

  connection = g_dbus_connection_new_for_address_sync (address,
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  g_assert_no_error (error);

  node = g_dbus_node_info_new_for_xml ("<node><interface name='org.freedesktop.Secret.Service'>"
                                       "<method name='OpenSession'><arg type='s' direction='in'/>"
                                       "<arg type='v' direction='in'/><arg type='v' direction='out'/>"
                                       "<arg type='o' direction='out'/></method>"
                                       "</interface></node>", &error);
  g_assert_no_error (error);
  registration = g_dbus_connection_register_object (connection, "/org/freedesktop/secrets",
                                                    node->interfaces[0], &vtable, held, NULL, &error);
  g_assert_no_error (error);
  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", "org.freedesktop.secrets", 0),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_unref (reply);

  out = run_child (address, 1000);
  g_assert_true (g_str_has_prefix (out, expected));
  g_assert_nonnull (strstr (out, "did not answer within 1 second"));
  elapsed = g_ascii_strtoll (out + strlen (expected), NULL, 10);
  g_assert_cmpint (elapsed, >=, 900);
  g_assert_cmpint (elapsed, <, 2500);
  /* Control: the service did get the call it never answered. */
  g_assert_cmpuint (held->len, >, 0);

  g_dbus_connection_unregister_object (connection, registration);
  g_subprocess_force_exit (bus);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");

  if (argc == 3 && g_str_equal (argv[1], "--child-lookup"))
    return run_child_lookup ((guint) g_ascii_strtoull (argv[2], NULL, 10));

  g_test_init (&argc, &argv, NULL);

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      g_printerr ("Run this test with tests/with-keyring.sh\n");
      return 1;
    }

  g_test_add_func ("/secrets/round-trip", test_round_trip);
  g_test_add_func ("/secrets/schema", test_schema);
  g_test_add_func ("/secrets/no-service", test_no_service);
  g_test_add_func ("/secrets/no-answer", test_no_answer);
  /* Last: it leaves the login collection locked. */
  g_test_add_func ("/secrets/locked", test_locked);

  return g_test_run ();
}
