/* swarm-test-utils.h — helpers shared by the test suites
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "swarm-secrets.h"

G_BEGIN_DECLS

void          swarm_test_store_result_cb (GObject       *object,
                                          GAsyncResult  *result,
                                          gpointer       user_data);
GAsyncResult *swarm_test_wait_result     (GAsyncResult **slot);
GAsyncResult *swarm_test_wait_result_into (GAsyncResult **slot,
                                           GAsyncResult **done);
gboolean      swarm_test_wait_until      (gboolean     (*check) (gpointer data),
                                          gpointer       data,
                                          guint          timeout_ms);
GBytes       *swarm_test_load_data       (const char    *name);
void          swarm_test_spin_ms         (guint          ms);
void          swarm_test_assert_finalize_soon (gpointer      object);
void          swarm_test_secret_store    (SwarmSecretKind  kind,
                                          const char      *url,
                                          const char      *secret);
char         *swarm_test_secret_lookup   (SwarmSecretKind  kind,
                                          const char      *url);
GTlsCertificate *swarm_test_make_certificate (const char *dir,
                                              char      **openssl_fingerprint);
guint         swarm_test_count_processes (const char    *needle,
                                          gboolean       exact);
gboolean      swarm_test_bytes_contain   (const char    *data,
                                          gsize          length,
                                          const char    *needle);

G_END_DECLS
