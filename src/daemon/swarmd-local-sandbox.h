/* swarmd-local-sandbox.h — the local driver: bubblewrap on this computer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "swarmd-sandbox.h"

G_BEGIN_DECLS

#define SWARMD_TYPE_LOCAL_SANDBOX (swarmd_local_sandbox_get_type ())
G_DECLARE_FINAL_TYPE (SwarmdLocalSandbox, swarmd_local_sandbox, SWARMD, LOCAL_SANDBOX,
                      SwarmdSandbox)

SwarmdSandbox *swarmd_local_sandbox_new           (const char  *sandboxes_dir,
                                                   const char  *sandbox_id);
const char    *swarmd_local_sandbox_get_workspace (SwarmdLocalSandbox *self);
char          *swarmd_local_sandbox_new_id        (void);
gboolean       swarmd_local_driver_available      (char       **reason);
gboolean       swarmd_local_template_available    (const char  *template_id,
                                                   char       **reason);

G_END_DECLS
