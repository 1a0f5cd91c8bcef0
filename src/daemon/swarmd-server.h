/* swarmd-server.h — the REST API over HTTP(S)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "swarmd-daemon.h"

G_BEGIN_DECLS

#define SWARMD_MAX_BODY (1024 * 1024)

#define SWARMD_TYPE_SERVER (swarmd_server_get_type ())
G_DECLARE_FINAL_TYPE (SwarmdServer, swarmd_server, SWARMD, SERVER, GObject)

SwarmdServer *swarmd_server_new        (SwarmdDaemon     *daemon,
                                        GTlsCertificate  *certificate);
gboolean      swarmd_server_listen     (SwarmdServer     *self,
                                        const char       *address,
                                        GError          **error);
char         *swarmd_server_get_url    (SwarmdServer     *self);
gboolean      swarmd_parse_listen      (const char       *address,
                                        char            **host,
                                        guint            *port,
                                        gboolean         *loopback,
                                        GError          **error);

G_END_DECLS
