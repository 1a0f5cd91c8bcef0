/* swarmd-sandbox.h — where an agent's commands run: the driver interface
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SWARMD_SANDBOX_ERROR (swarmd_sandbox_error_quark ())

typedef enum
{
  SWARMD_SANDBOX_ERROR_FAILED,
  SWARMD_SANDBOX_ERROR_PATH,       /* a path outside the workspace */
  SWARMD_SANDBOX_ERROR_NOT_FOUND,
  SWARMD_SANDBOX_ERROR_UNAVAILABLE,
} SwarmdSandboxError;

#define SWARMD_OUTPUT_HEAD  (8 * 1024)
#define SWARMD_OUTPUT_TAIL  (8 * 1024)

typedef struct
{
  int      exit_code;      /* -1 when killed */
  gboolean timed_out;
  gboolean stopped;        /* killed by swarmd_sandbox_stop() */
  gint64   duration_ms;
  char    *output;         /* (owned): head and tail, with a note of what was cut */
  guint64  total_bytes;
  guint64  elided_bytes;
} SwarmdExecResult;

void swarmd_exec_result_free (SwarmdExecResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SwarmdExecResult, swarmd_exec_result_free)

#define SWARMD_TYPE_SANDBOX (swarmd_sandbox_get_type ())
G_DECLARE_DERIVABLE_TYPE (SwarmdSandbox, swarmd_sandbox, SWARMD, SANDBOX, GObject)

struct _SwarmdSandboxClass
{
  GObjectClass parent_class;

  gboolean          (*create)      (SwarmdSandbox        *self,
                                    GError              **error);
  void              (*exec_async)  (SwarmdSandbox        *self,
                                    const char           *command,
                                    guint                 timeout_s,
                                    GCancellable         *cancellable,
                                    GAsyncReadyCallback   callback,
                                    gpointer              user_data);
  SwarmdExecResult *(*exec_finish) (SwarmdSandbox        *self,
                                    GAsyncResult         *result,
                                    GError              **error);
  GBytes           *(*read_file)   (SwarmdSandbox        *self,
                                    const char           *path,
                                    GError              **error);
  gboolean          (*write_file)  (SwarmdSandbox        *self,
                                    const char           *path,
                                    const char           *content,
                                    gsize                 length,
                                    GError              **error);
  void              (*stop)        (SwarmdSandbox        *self);
  gboolean          (*destroy)     (SwarmdSandbox        *self,
                                    GError              **error);
};

GQuark            swarmd_sandbox_error_quark (void);

const char       *swarmd_sandbox_get_id      (SwarmdSandbox        *self);
void              swarmd_sandbox_set_environment (SwarmdSandbox    *self,
                                                  GHashTable       *environment);
GHashTable       *swarmd_sandbox_get_environment (SwarmdSandbox    *self);
void              swarmd_sandbox_set_network (SwarmdSandbox        *self,
                                              gboolean              network);
gboolean          swarmd_sandbox_get_network (SwarmdSandbox        *self);
gboolean          swarmd_sandbox_create      (SwarmdSandbox        *self,
                                              GError              **error);
void              swarmd_sandbox_exec_async  (SwarmdSandbox        *self,
                                              const char           *command,
                                              guint                 timeout_s,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
SwarmdExecResult *swarmd_sandbox_exec_finish (SwarmdSandbox        *self,
                                              GAsyncResult         *result,
                                              GError              **error);
GBytes           *swarmd_sandbox_read_file   (SwarmdSandbox        *self,
                                              const char           *path,
                                              GError              **error);
gboolean          swarmd_sandbox_write_file  (SwarmdSandbox        *self,
                                              const char           *path,
                                              const char           *content,
                                              gsize                 length,
                                              GError              **error);
void              swarmd_sandbox_stop        (SwarmdSandbox        *self);
gboolean          swarmd_sandbox_destroy     (SwarmdSandbox        *self,
                                              GError              **error);

/* Output capture shared by drivers: the first and last bytes, counted. */
typedef struct _SwarmdOutputCap SwarmdOutputCap;

SwarmdOutputCap  *swarmd_output_cap_new      (void);
void              swarmd_output_cap_add      (SwarmdOutputCap      *cap,
                                              const guint8         *data,
                                              gsize                 length);
char             *swarmd_output_cap_finish   (SwarmdOutputCap      *cap,
                                              guint64              *total,
                                              guint64              *elided);
void              swarmd_output_cap_free     (SwarmdOutputCap      *cap);

G_END_DECLS
