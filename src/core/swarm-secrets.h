/* swarm-secrets.h — API keys and tokens in the system keyring
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SWARM_SECRETS_TIMEOUT_MS 5000

#define SWARM_SECRETS_ERROR (swarm_secrets_error_quark ())

typedef enum
{
  SWARM_SECRETS_ERROR_NO_SERVICE,   /* no Secret Service, no portal */
  SWARM_SECRETS_ERROR_LOCKED,       /* the keyring is locked or was never set up */
  SWARM_SECRETS_ERROR_TIMEOUT,      /* no answer: a prompt nobody can see, say */
  SWARM_SECRETS_ERROR_FAILED,
} SwarmSecretsError;

typedef enum
{
  SWARM_SECRET_LLM_KEY,         /* one item */
  SWARM_SECRET_BACKEND_TOKEN,   /* one item per normalised backend URL */
} SwarmSecretKind;

GQuark      swarm_secrets_error_quark   (void);

void        swarm_secrets_lookup_async  (SwarmSecretKind      kind,
                                         const char          *url,
                                         guint                timeout_ms,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
char       *swarm_secrets_lookup_finish (GAsyncResult        *result,
                                         GError             **error);

void        swarm_secrets_store_async   (SwarmSecretKind      kind,
                                         const char          *url,
                                         const char          *secret,
                                         guint                timeout_ms,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
gboolean    swarm_secrets_store_finish  (GAsyncResult        *result,
                                         GError             **error);

void        swarm_secrets_clear_async   (SwarmSecretKind      kind,
                                         const char          *url,
                                         guint                timeout_ms,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
gboolean    swarm_secrets_clear_finish  (GAsyncResult        *result,
                                         GError             **error);

G_END_DECLS
