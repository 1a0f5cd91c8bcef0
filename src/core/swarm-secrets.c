/* swarm-secrets.c — API keys and tokens in the system keyring
 *
 * One libsecret schema, `io.github.swarmyard.Swarmyard`, with the
 * attribute `kind` (`llm-key`: one item; `backend-token`: one item per
 * normalised backend URL, in the attribute `url`).  Only the async API is
 * used, each call with a cancellable and a deadline of its own: under a
 * headless session a keyring that is not unlocked shows a prompt nobody
 * can answer, and the call would never return.  At the deadline the
 * caller gets a clear error at once, whatever libsecret does later.
 *
 * Errors are sentences a person can act on; no secret is ever part of
 * one, nor of a debug message.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarm-secrets"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsecret/secret.h>

#include "swarm-secrets.h"
#include "swarm-utils.h"

G_DEFINE_QUARK (swarm-secrets-error-quark, swarm_secrets_error)

static const SecretSchema *
get_schema (void)
{
  static const SecretSchema schema = {
    "io.github.swarmyard.Swarmyard", SECRET_SCHEMA_NONE,
    {
      { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "url", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  };

  return &schema;
}

/* The values are copies: a lookup keeps them past the caller's return. */
static GHashTable *
make_attributes (SwarmSecretKind  kind,
                 const char      *url)
{
  GHashTable *attributes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  g_hash_table_insert (attributes, (gpointer) "kind",
                       g_strdup (kind == SWARM_SECRET_LLM_KEY ? "llm-key" : "backend-token"));
  if (kind == SWARM_SECRET_BACKEND_TOKEN)
    g_hash_table_insert (attributes, (gpointer) "url", g_strdup (url));

  return attributes;
}

/* One call: the task completes once, at the first of libsecret's answer
 * and the deadline. */
typedef struct
{
  gatomicrefcount  ref;
  GTask           *task;        /* (owned) (nullable): until it returned */
  GCancellable    *inner;       /* (owned): what libsecret watches */
  GCancellable    *outer;       /* (owned) (nullable): the caller's */
  gulong           outer_id;
  GSource         *deadline;    /* (owned) (nullable) */
  guint            timeout_ms;
} Op;

static Op *
op_ref (Op *op)
{
  g_atomic_ref_count_inc (&op->ref);
  return op;
}

static void
op_unref (Op *op)
{
  if (!g_atomic_ref_count_dec (&op->ref))
    return;

  if (op->outer != NULL)
    g_cancellable_disconnect (op->outer, op->outer_id);
  g_clear_object (&op->outer);
  g_clear_object (&op->inner);
  /* The deadline holds a reference: it is gone by now. */
  g_assert (op->deadline == NULL);
  g_clear_object (&op->task);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Op, op_unref)

static void
on_outer_cancelled_cb (GCancellable *outer,
                       GCancellable *inner)
{
  g_cancellable_cancel (inner);
}

static gboolean
deadline_cb (gpointer data)
{
  Op *op = data;

  if (op->task != NULL)
    {
      g_autoptr(GTask) task = g_steal_pointer (&op->task);

      g_debug ("The keyring did not answer within %u ms", op->timeout_ms);
      g_task_return_new_error (task, SWARM_SECRETS_ERROR, SWARM_SECRETS_ERROR_TIMEOUT,
                               g_dngettext (GETTEXT_PACKAGE,
                                            "The keyring did not answer within %u second. It may be "
                                            "waiting for a password prompt that cannot be shown.",
                                            "The keyring did not answer within %u seconds. It may be "
                                            "waiting for a password prompt that cannot be shown.",
                                            MAX (1u, op->timeout_ms / 1000)),
                               MAX (1u, op->timeout_ms / 1000));
    }

  /* libsecret may still answer: it is told to stop, and ignored. */
  g_cancellable_cancel (op->inner);
  g_clear_pointer (&op->deadline, g_source_unref);

  return G_SOURCE_REMOVE;
}

static Op *
op_new (guint                timeout_ms,
        GCancellable        *cancellable,
        gpointer             source_tag,
        GAsyncReadyCallback  callback,
        gpointer             user_data)
{
  Op *op = g_new0 (Op, 1);

  g_atomic_ref_count_init (&op->ref);
  op->task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (op->task, source_tag);
  op->inner = g_cancellable_new ();
  op->timeout_ms = timeout_ms > 0 ? timeout_ms : SWARM_SECRETS_TIMEOUT_MS;

  if (cancellable != NULL)
    {
      op->outer = g_object_ref (cancellable);
      op->outer_id = g_cancellable_connect (cancellable, G_CALLBACK (on_outer_cancelled_cb),
                                            op->inner, NULL);
    }

  op->deadline = g_timeout_source_new (op->timeout_ms);
  g_source_set_static_name (op->deadline, "[swarm-secrets] deadline");
  g_source_set_callback (op->deadline, deadline_cb, op_ref (op), (GDestroyNotify) op_unref);
  g_source_attach (op->deadline, g_main_context_get_thread_default ());

  return op;
}

/* Turns libsecret's and D-Bus's errors into what the user can do. */
static GError *
translate_error (GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);

  if (g_error_matches (error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED))
    return g_error_new (SWARM_SECRETS_ERROR, SWARM_SECRETS_ERROR_LOCKED,
                        _("The keyring is locked. Unlock it, for example by logging in again, "
                          "and try again."));

  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT))
    return g_error_new (SWARM_SECRETS_ERROR, SWARM_SECRETS_ERROR_LOCKED,
                        _("The keyring has no default collection: it was never set up or "
                          "unlocked. Open your keyring manager, then try again."));

  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND) ||
      error->domain == G_IO_ERROR)
    return g_error_new (SWARM_SECRETS_ERROR, SWARM_SECRETS_ERROR_NO_SERVICE,
                        _("No keyring is available (no Secret Service on the session bus). "
                          "Keys and tokens can still be given in the environment: "
                          "SWARMYARD_BACKEND_TOKEN, SWARMYARD_LLM_API_KEY."));

  return g_error_new (SWARM_SECRETS_ERROR, SWARM_SECRETS_ERROR_FAILED,
                      _("The keyring reported an error: %s"), error->message);
}

/* Completes the task with libsecret's outcome, unless the deadline did. */
static GTask *
take_task (Op *op)
{
  if (op->deadline != NULL)
    {
      g_source_destroy (op->deadline);
      g_clear_pointer (&op->deadline, g_source_unref);
    }

  return g_steal_pointer (&op->task);
}

static void
search_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(Op) op = user_data;
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  GList *items = secret_service_search_finish (SECRET_SERVICE (object), result, &error);
  SecretItem *item = items != NULL ? items->data : NULL;
  g_autoptr(SecretValue) value = NULL;

  if ((task = take_task (op)) == NULL)
    {
      g_list_free_full (items, g_object_unref);
      return;
    }

  if (error != NULL)
    {
      g_debug ("Keyring search failed: %s", error->message);
      g_task_return_error (task, translate_error (error));
      return;
    }

  /* Found, but the unlock prompt was dismissed or could not be shown: a
   * locked keyring, not a missing key. */
  if (item != NULL && secret_item_get_locked (item))
    {
      g_autoptr(GError) locked = g_error_new_literal (SECRET_ERROR, SECRET_ERROR_IS_LOCKED, "");

      g_list_free_full (items, g_object_unref);
      g_task_return_error (task, translate_error (locked));
      return;
    }

  if (item != NULL)
    value = secret_item_get_secret (item);
  g_list_free_full (items, g_object_unref);

  /* Out of libsecret's non-pageable memory, into ours; wiped on free. */
  if (value != NULL)
    g_task_return_pointer (task, g_strdup (secret_value_get_text (value)),
                           (GDestroyNotify) swarm_secret_free);
  else
    g_task_return_pointer (task, NULL, NULL);
}

/* Inside Flatpak: libsecret's password API goes through the Secret
 * portal to a file of the app's own, which is never locked on its own. */
static void
password_lookup_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(Op) op = user_data;
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  char *secret = secret_password_lookup_finish (result, &error);

  if ((task = take_task (op)) == NULL)
    {
      secret_password_free (secret);
      return;
    }

  if (error != NULL)
    {
      g_debug ("Keyring lookup failed: %s", error->message);
      g_task_return_error (task, translate_error (error));
      return;
    }

  g_task_return_pointer (task, g_strdup (secret), (GDestroyNotify) swarm_secret_free);
  secret_password_free (secret);
}

typedef struct
{
  Op         *op;           /* (owned) */
  GHashTable *attributes;   /* (owned) */
} Lookup;

static void
service_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Lookup *lookup = user_data;
  g_autoptr(Op) op = lookup->op;
  g_autoptr(GHashTable) attributes = lookup->attributes;
  g_autoptr(SecretService) service = NULL;
  g_autoptr(GError) error = NULL;

  g_free (lookup);
  service = secret_service_get_finish (result, &error);

  if (service == NULL)
    {
      g_autoptr(GTask) task = take_task (op);

      if (task != NULL)
        {
          g_debug ("No Secret Service: %s", error->message);
          g_task_return_error (task, translate_error (error));
        }
      return;
    }

  /* Unlocking may prompt; the deadline covers it. */
  secret_service_search (service, get_schema (), attributes,
                         SECRET_SEARCH_UNLOCK | SECRET_SEARCH_LOAD_SECRETS,
                         op->inner, search_cb, op_ref (op));
}

/**
 * swarm_secrets_lookup_async:
 * @url: (nullable): the normalised backend URL, for a backend token
 * @timeout_ms: the deadline; 0 for %SWARM_SECRETS_TIMEOUT_MS
 */
void
swarm_secrets_lookup_async (SwarmSecretKind      kind,
                            const char          *url,
                            guint                timeout_ms,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  Lookup *lookup;

  g_return_if_fail (kind == SWARM_SECRET_LLM_KEY || url != NULL);

  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    {
      g_autoptr(GHashTable) attributes = make_attributes (kind, url);
      Op *op = op_new (timeout_ms, cancellable, swarm_secrets_lookup_async, callback, user_data);

      secret_password_lookupv (get_schema (), attributes, op->inner, password_lookup_cb, op);
      return;
    }

  /* Elsewhere the Secret Service itself, to tell a locked keyring (the
   * item is there, still locked) from a missing key. */
  lookup = g_new0 (Lookup, 1);
  lookup->op = op_new (timeout_ms, cancellable, swarm_secrets_lookup_async, callback, user_data);
  lookup->attributes = make_attributes (kind, url);
  secret_service_get (SECRET_SERVICE_OPEN_SESSION, lookup->op->inner, service_cb, lookup);
}

/**
 * swarm_secrets_lookup_finish:
 *
 * Returns: (transfer full) (nullable): the secret, to be freed with
 *   swarm_secret_free(); %NULL without an error when there is none
 */
char *
swarm_secrets_lookup_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
store_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(Op) op = user_data;
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok = secret_password_store_finish (result, &error);

  if ((task = take_task (op)) == NULL)
    return;

  if (!ok)
    {
      g_debug ("Keyring store failed: %s", error->message);
      g_task_return_error (task, translate_error (error));
      return;
    }

  g_task_return_boolean (task, TRUE);
}

/**
 * swarm_secrets_store_async:
 * @secret: copied by libsecret; the caller wipes its own copy
 *
 * Saves (or replaces) the item for @kind and @url.
 */
void
swarm_secrets_store_async (SwarmSecretKind      kind,
                           const char          *url,
                           const char          *secret,
                           guint                timeout_ms,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GHashTable) attributes = NULL;
  g_autofree char *label = NULL;
  Op *op;

  g_return_if_fail (kind == SWARM_SECRET_LLM_KEY || url != NULL);
  g_return_if_fail (secret != NULL);

  op = op_new (timeout_ms, cancellable, swarm_secrets_store_async, callback, user_data);
  attributes = make_attributes (kind, url);
  if (kind == SWARM_SECRET_LLM_KEY)
    label = g_strdup (_("Swarmyard: language model API key"));
  else
    /* Translators: %s is a web address */
    label = g_strdup_printf (_("Swarmyard: access token for %s"), url);

  secret_password_storev (get_schema (), attributes, SECRET_COLLECTION_DEFAULT, label, secret,
                          op->inner, store_cb, op);
}

gboolean
swarm_secrets_store_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
clear_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(Op) op = user_data;
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  /* FALSE without an error: there was nothing to remove. */
  secret_password_clear_finish (result, &error);

  if ((task = take_task (op)) == NULL)
    return;

  if (error != NULL)
    {
      g_debug ("Keyring clear failed: %s", error->message);
      g_task_return_error (task, translate_error (error));
      return;
    }

  g_task_return_boolean (task, TRUE);
}

/**
 * swarm_secrets_clear_async:
 *
 * Removes the item for @kind and @url, if there is one.
 */
void
swarm_secrets_clear_async (SwarmSecretKind      kind,
                           const char          *url,
                           guint                timeout_ms,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GHashTable) attributes = NULL;
  Op *op;

  g_return_if_fail (kind == SWARM_SECRET_LLM_KEY || url != NULL);

  op = op_new (timeout_ms, cancellable, swarm_secrets_clear_async, callback, user_data);
  attributes = make_attributes (kind, url);
  secret_password_clearv (get_schema (), attributes, op->inner, clear_cb, op);
}

gboolean
swarm_secrets_clear_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
