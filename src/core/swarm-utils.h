/* swarm-utils.h — small helpers shared by every part of Swarmyard
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean  swarm_set_str            (char       **dest,
                                    const char  *src);
void      swarm_str_wipe           (char        *str);
void      swarm_secret_free        (gpointer     str);

char     *swarm_format_duration    (gint64       ms);
char     *swarm_format_count       (gint64       value);
char     *swarm_format_cost        (double       usd);
char     *swarm_format_timestamp   (gint64       unix_us,
                                    gint64       now_us);
gint64    swarm_date_time_to_unix_us (GDateTime *time);
const char *swarm_settings_lookup_pin (GVariant    *pins,
                                       const char  *backend);
GVariant *swarm_settings_with_pin  (GVariant    *pins,
                                    const char  *backend,
                                    const char  *fingerprint);

char     *swarm_normalize_url      (const char  *url,
                                    GError     **error);
char     *swarm_sanitize_message   (const char  *text,
                                    gsize        max_chars);
char     *swarm_redact             (const char  *text,
                                    GHashTable  *secrets);

G_END_DECLS
