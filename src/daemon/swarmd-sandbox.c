/* swarmd-sandbox.c — where an agent's commands run: the driver interface
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarmd-sandbox"

#include "config.h"

#include <string.h>

#include "swarm-utils.h"
#include "swarmd-sandbox.h"

typedef struct
{
  char       *id;            /* (owned) */
  GHashTable *environment;   /* (owned) (nullable): secret values */
  gboolean    network;
} SwarmdSandboxPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (SwarmdSandbox, swarmd_sandbox, G_TYPE_OBJECT)
G_DEFINE_QUARK (swarmd-sandbox-error-quark, swarmd_sandbox_error)

enum {
  PROP_0,
  PROP_ID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

void
swarmd_exec_result_free (SwarmdExecResult *result)
{
  if (result == NULL)
    return;

  g_free (result->output);
  g_free (result);
}

static void
swarmd_sandbox_finalize (GObject *object)
{
  SwarmdSandboxPrivate *priv = swarmd_sandbox_get_instance_private (SWARMD_SANDBOX (object));

  g_free (priv->id);
  g_clear_pointer (&priv->environment, g_hash_table_unref);

  G_OBJECT_CLASS (swarmd_sandbox_parent_class)->finalize (object);
}

static void
swarmd_sandbox_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  SwarmdSandboxPrivate *priv = swarmd_sandbox_get_instance_private (SWARMD_SANDBOX (object));

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, priv->id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
swarmd_sandbox_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  SwarmdSandboxPrivate *priv = swarmd_sandbox_get_instance_private (SWARMD_SANDBOX (object));

  switch (prop_id)
    {
    case PROP_ID:
      priv->id = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
swarmd_sandbox_class_init (SwarmdSandboxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = swarmd_sandbox_finalize;
  object_class->get_property = swarmd_sandbox_get_property;
  object_class->set_property = swarmd_sandbox_set_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
swarmd_sandbox_init (SwarmdSandbox *self)
{
}

const char *
swarmd_sandbox_get_id (SwarmdSandbox *self)
{
  SwarmdSandboxPrivate *priv = swarmd_sandbox_get_instance_private (self);

  return priv->id;
}

/**
 * swarmd_sandbox_set_environment:
 * @environment: (transfer none): name → value; the values are secrets
 */
void
swarmd_sandbox_set_environment (SwarmdSandbox *self,
                                GHashTable    *environment)
{
  SwarmdSandboxPrivate *priv = swarmd_sandbox_get_instance_private (self);

  g_clear_pointer (&priv->environment, g_hash_table_unref);
  if (environment != NULL)
    priv->environment = g_hash_table_ref (environment);
}

GHashTable *
swarmd_sandbox_get_environment (SwarmdSandbox *self)
{
  SwarmdSandboxPrivate *priv = swarmd_sandbox_get_instance_private (self);

  return priv->environment;
}

void
swarmd_sandbox_set_network (SwarmdSandbox *self,
                            gboolean       network)
{
  SwarmdSandboxPrivate *priv = swarmd_sandbox_get_instance_private (self);

  priv->network = !!network;
}

gboolean
swarmd_sandbox_get_network (SwarmdSandbox *self)
{
  SwarmdSandboxPrivate *priv = swarmd_sandbox_get_instance_private (self);

  return priv->network;
}

gboolean
swarmd_sandbox_create (SwarmdSandbox  *self,
                       GError        **error)
{
  return SWARMD_SANDBOX_GET_CLASS (self)->create (self, error);
}

void
swarmd_sandbox_exec_async (SwarmdSandbox       *self,
                           const char          *command,
                           guint                timeout_s,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  SWARMD_SANDBOX_GET_CLASS (self)->exec_async (self, command, timeout_s, cancellable,
                                               callback, user_data);
}

SwarmdExecResult *
swarmd_sandbox_exec_finish (SwarmdSandbox  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  return SWARMD_SANDBOX_GET_CLASS (self)->exec_finish (self, result, error);
}

GBytes *
swarmd_sandbox_read_file (SwarmdSandbox  *self,
                          const char     *path,
                          GError        **error)
{
  return SWARMD_SANDBOX_GET_CLASS (self)->read_file (self, path, error);
}

gboolean
swarmd_sandbox_write_file (SwarmdSandbox  *self,
                           const char     *path,
                           const char     *content,
                           gsize           length,
                           GError        **error)
{
  return SWARMD_SANDBOX_GET_CLASS (self)->write_file (self, path, content, length, error);
}

/**
 * swarmd_sandbox_stop:
 *
 * Kills whatever runs in the sandbox now; the sandbox itself stays.
 */
void
swarmd_sandbox_stop (SwarmdSandbox *self)
{
  SWARMD_SANDBOX_GET_CLASS (self)->stop (self);
}

gboolean
swarmd_sandbox_destroy (SwarmdSandbox  *self,
                        GError        **error)
{
  return SWARMD_SANDBOX_GET_CLASS (self)->destroy (self, error);
}

/* Output capture ------------------------------------------------------------- */

struct _SwarmdOutputCap
{
  GByteArray *head;
  guint8      tail[SWARMD_OUTPUT_TAIL];
  gsize       tail_len;    /* bytes valid in the ring */
  gsize       tail_pos;    /* next write position */
  guint64     total;
};

SwarmdOutputCap *
swarmd_output_cap_new (void)
{
  SwarmdOutputCap *cap = g_new0 (SwarmdOutputCap, 1);

  cap->head = g_byte_array_new ();
  return cap;
}

void
swarmd_output_cap_add (SwarmdOutputCap *cap,
                       const guint8    *data,
                       gsize            length)
{
  gsize to_head = 0;

  cap->total += length;

  if (cap->head->len < SWARMD_OUTPUT_HEAD)
    {
      to_head = MIN (length, SWARMD_OUTPUT_HEAD - cap->head->len);
      g_byte_array_append (cap->head, data, to_head);
    }

  for (gsize i = to_head; i < length; i++)
    {
      cap->tail[cap->tail_pos] = data[i];
      cap->tail_pos = (cap->tail_pos + 1) % SWARMD_OUTPUT_TAIL;
      cap->tail_len = MIN (cap->tail_len + 1, SWARMD_OUTPUT_TAIL);
    }
}

/**
 * swarmd_output_cap_finish:
 *
 * Returns: (transfer full): the output as valid UTF-8: all of it, or its
 *   first and last 8 KiB around a note saying how much was cut
 */
char *
swarmd_output_cap_finish (SwarmdOutputCap *cap,
                          guint64         *total,
                          guint64         *elided)
{
  GString *out = g_string_new (NULL);
  guint64 cut = cap->total - cap->head->len - cap->tail_len;
  g_autofree char *head = NULL;

  if (cap->head->len > 0)
    {
      head = g_utf8_make_valid ((const char *) cap->head->data, cap->head->len);
      g_string_append (out, head);
    }

  if (cut > 0)
    g_string_append_printf (out, "\n[… %" G_GUINT64_FORMAT " bytes of output cut; "
                            "use head, tail, grep or a file to see them …]\n", cut);

  if (cap->tail_len > 0)
    {
      g_autofree guint8 *ring = g_malloc (cap->tail_len);
      g_autofree char *tail = NULL;
      gsize start = (cap->tail_pos + SWARMD_OUTPUT_TAIL - cap->tail_len) % SWARMD_OUTPUT_TAIL;

      for (gsize i = 0; i < cap->tail_len; i++)
        ring[i] = cap->tail[(start + i) % SWARMD_OUTPUT_TAIL];
      tail = g_utf8_make_valid ((const char *) ring, cap->tail_len);
      g_string_append (out, tail);
    }

  if (total != NULL)
    *total = cap->total;
  if (elided != NULL)
    *elided = cut;

  return g_string_free (out, FALSE);
}

void
swarmd_output_cap_free (SwarmdOutputCap *cap)
{
  if (cap == NULL)
    return;

  g_byte_array_unref (cap->head);
  g_free (cap);
}
