/* swarm-agent.c — one agent as the backend describes it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarm-agent"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "swarm-agent-private.h"
#include "swarm-core-enums.h"
#include "swarm-utils.h"

G_DEFINE_FINAL_TYPE (SwarmAgent, swarm_agent, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_AGENT_TYPE,
  PROP_STATUS,
  PROP_SANDBOX_ID,
  PROP_TASK_DESCRIPTION,
  PROP_TOKENS_USED,
  PROP_COST_USD,
  PROP_EXECUTION_TIME_MS,
  PROP_CREATED_AT,
  PROP_COMPLETED_AT,
  PROP_ERROR_MESSAGE,
  PROP_TEMPLATE,
  PROP_CAPABILITIES,
  PROP_CONFIG_TIMEOUT,
  PROP_CONFIG_MODEL,
  PROP_CONFIG_MAX_STEPS,
  PROP_CONFIG_MAX_COST_USD,
  PROP_MODEL,
  PROP_STEPS,
  PROP_RESULT,
  PROP_RESULT_TRUNCATED,
  PROP_STARTED_AT,
  PROP_UPDATED_AT,
  PROP_SANDBOX_DRIVER,
  PROP_ENVIRONMENT_KEYS,
  PROP_DESTROYED_AT,
  PROP_ELAPSED_MS,
  PROP_CREATED_UNIX_MS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
clear_environment (GHashTable **env)
{
  /* The table's value destructor wipes the secret values. */
  g_clear_pointer (env, g_hash_table_unref);
}

static void
swarm_agent_finalize (GObject *object)
{
  SwarmAgent *self = SWARM_AGENT (object);

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->agent_type, g_free);
  g_clear_pointer (&self->sandbox_id, g_free);
  g_clear_pointer (&self->task_description, g_free);
  g_clear_pointer (&self->created_at, g_date_time_unref);
  g_clear_pointer (&self->completed_at, g_date_time_unref);
  g_clear_pointer (&self->error_message, g_free);
  g_clear_pointer (&self->template_id, g_free);
  g_clear_pointer (&self->capabilities, g_strfreev);
  g_clear_pointer (&self->config_model, g_free);
  g_clear_pointer (&self->model, g_free);
  g_clear_pointer (&self->result, g_free);
  g_clear_pointer (&self->started_at, g_date_time_unref);
  g_clear_pointer (&self->updated_at, g_date_time_unref);
  g_clear_pointer (&self->sandbox_driver, g_free);
  g_clear_pointer (&self->environment_keys, g_strfreev);
  g_clear_pointer (&self->destroyed_at, g_date_time_unref);
  clear_environment (&self->environment);

  G_OBJECT_CLASS (swarm_agent_parent_class)->finalize (object);
}

static void
swarm_agent_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  SwarmAgent *self = SWARM_AGENT (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_AGENT_TYPE:
      g_value_set_string (value, self->agent_type);
      break;
    case PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;
    case PROP_SANDBOX_ID:
      g_value_set_string (value, self->sandbox_id);
      break;
    case PROP_TASK_DESCRIPTION:
      g_value_set_string (value, self->task_description);
      break;
    case PROP_TOKENS_USED:
      g_value_set_int64 (value, self->tokens_used);
      break;
    case PROP_COST_USD:
      g_value_set_double (value, self->cost_usd);
      break;
    case PROP_EXECUTION_TIME_MS:
      g_value_set_int64 (value, self->execution_time_ms);
      break;
    case PROP_CREATED_AT:
      g_value_set_boxed (value, self->created_at);
      break;
    case PROP_COMPLETED_AT:
      g_value_set_boxed (value, self->completed_at);
      break;
    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;
    case PROP_TEMPLATE:
      g_value_set_string (value, self->template_id);
      break;
    case PROP_CAPABILITIES:
      g_value_set_boxed (value, self->capabilities);
      break;
    case PROP_CONFIG_TIMEOUT:
      g_value_set_int64 (value, self->config_timeout);
      break;
    case PROP_CONFIG_MODEL:
      g_value_set_string (value, self->config_model);
      break;
    case PROP_CONFIG_MAX_STEPS:
      g_value_set_int64 (value, self->config_max_steps);
      break;
    case PROP_CONFIG_MAX_COST_USD:
      g_value_set_double (value, self->config_max_cost_usd);
      break;
    case PROP_MODEL:
      g_value_set_string (value, self->model);
      break;
    case PROP_STEPS:
      g_value_set_int64 (value, self->steps);
      break;
    case PROP_RESULT:
      g_value_set_string (value, self->result);
      break;
    case PROP_RESULT_TRUNCATED:
      g_value_set_boolean (value, self->result_truncated);
      break;
    case PROP_STARTED_AT:
      g_value_set_boxed (value, self->started_at);
      break;
    case PROP_UPDATED_AT:
      g_value_set_boxed (value, self->updated_at);
      break;
    case PROP_SANDBOX_DRIVER:
      g_value_set_string (value, self->sandbox_driver);
      break;
    case PROP_ENVIRONMENT_KEYS:
      g_value_set_boxed (value, self->environment_keys);
      break;
    case PROP_DESTROYED_AT:
      g_value_set_boxed (value, self->destroyed_at);
      break;
    case PROP_ELAPSED_MS:
      g_value_set_int64 (value, self->elapsed_ms);
      break;
    case PROP_CREATED_UNIX_MS:
      g_value_set_int64 (value, swarm_agent_get_created_unix_ms (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
ro_string (const char *name)
{
  return g_param_spec_string (name, NULL, NULL, NULL,
                              G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
ro_int64 (const char *name)
{
  return g_param_spec_int64 (name, NULL, NULL, G_MININT64, G_MAXINT64, 0,
                             G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
ro_double (const char *name)
{
  return g_param_spec_double (name, NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0,
                              G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
ro_boxed (const char *name,
          GType       type)
{
  return g_param_spec_boxed (name, NULL, NULL, type,
                             G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static void
swarm_agent_class_init (SwarmAgentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = swarm_agent_finalize;
  object_class->get_property = swarm_agent_get_property;

  properties[PROP_ID] = ro_string ("id");
  properties[PROP_NAME] = ro_string ("name");
  properties[PROP_AGENT_TYPE] = ro_string ("agent-type");
  properties[PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL,
                       SWARM_TYPE_AGENT_STATUS, SWARM_AGENT_STATUS_PENDING,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SANDBOX_ID] = ro_string ("sandbox-id");
  properties[PROP_TASK_DESCRIPTION] = ro_string ("task-description");
  properties[PROP_TOKENS_USED] = ro_int64 ("tokens-used");
  properties[PROP_COST_USD] = ro_double ("cost-usd");
  properties[PROP_EXECUTION_TIME_MS] = ro_int64 ("execution-time-ms");
  properties[PROP_CREATED_AT] = ro_boxed ("created-at", G_TYPE_DATE_TIME);
  properties[PROP_COMPLETED_AT] = ro_boxed ("completed-at", G_TYPE_DATE_TIME);
  properties[PROP_ERROR_MESSAGE] = ro_string ("error-message");
  properties[PROP_TEMPLATE] = ro_string ("template");
  properties[PROP_CAPABILITIES] = ro_boxed ("capabilities", G_TYPE_STRV);
  properties[PROP_CONFIG_TIMEOUT] = ro_int64 ("config-timeout");
  properties[PROP_CONFIG_MODEL] = ro_string ("config-model");
  properties[PROP_CONFIG_MAX_STEPS] = ro_int64 ("config-max-steps");
  properties[PROP_CONFIG_MAX_COST_USD] = ro_double ("config-max-cost-usd");
  properties[PROP_MODEL] = ro_string ("model");
  properties[PROP_STEPS] = ro_int64 ("steps");
  properties[PROP_RESULT] = ro_string ("result");
  properties[PROP_RESULT_TRUNCATED] =
    g_param_spec_boolean ("result-truncated", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STARTED_AT] = ro_boxed ("started-at", G_TYPE_DATE_TIME);
  properties[PROP_UPDATED_AT] = ro_boxed ("updated-at", G_TYPE_DATE_TIME);
  properties[PROP_SANDBOX_DRIVER] = ro_string ("sandbox-driver");
  properties[PROP_ENVIRONMENT_KEYS] = ro_boxed ("environment-keys", G_TYPE_STRV);
  properties[PROP_DESTROYED_AT] = ro_boxed ("destroyed-at", G_TYPE_DATE_TIME);
  properties[PROP_ELAPSED_MS] = ro_int64 ("elapsed-ms");
  properties[PROP_CREATED_UNIX_MS] = ro_int64 ("created-unix-ms");

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
swarm_agent_init (SwarmAgent *self)
{
}

SwarmAgent *
swarm_agent_new (const char *id)
{
  SwarmAgent *self;

  g_return_val_if_fail (id != NULL, NULL);

  self = g_object_new (SWARM_TYPE_AGENT, NULL);
  self->id = g_strdup (id);
  self->name = g_strdup ("");
  self->agent_type = g_strdup ("");
  self->task_description = g_strdup ("");

  return self;
}

#define GETTER(type, field, fallback)                       \
  g_return_val_if_fail (SWARM_IS_AGENT (self), fallback);   \
  return (type) self->field

const char *swarm_agent_get_id (SwarmAgent *self) { GETTER (const char *, id, NULL); }
const char *swarm_agent_get_name (SwarmAgent *self) { GETTER (const char *, name, NULL); }
const char *swarm_agent_get_agent_type (SwarmAgent *self) { GETTER (const char *,
                                                                    agent_type, NULL); }
SwarmAgentStatus swarm_agent_get_status (SwarmAgent *self) { GETTER (SwarmAgentStatus, status, 0); }
const char *swarm_agent_get_sandbox_id (SwarmAgent *self) { GETTER (const char *,
                                                                    sandbox_id, NULL); }
const char *swarm_agent_get_task_description (SwarmAgent *self) { GETTER (const char *, task_description, NULL); }
gint64 swarm_agent_get_tokens_used (SwarmAgent *self) { GETTER (gint64, tokens_used, 0); }
double swarm_agent_get_cost_usd (SwarmAgent *self) { GETTER (double, cost_usd, 0); }
gint64 swarm_agent_get_execution_time_ms (SwarmAgent *self) { GETTER (gint64, execution_time_ms, 0); }
GDateTime *swarm_agent_get_created_at (SwarmAgent *self) { GETTER (GDateTime *, created_at, NULL); }
GDateTime *swarm_agent_get_completed_at (SwarmAgent *self) { GETTER (GDateTime *,
                                                                     completed_at, NULL); }
const char *swarm_agent_get_error_message (SwarmAgent *self) { GETTER (const char *, error_message, NULL); }
const char *swarm_agent_get_template (SwarmAgent *self) { GETTER (const char *,
                                                                  template_id, NULL); }
const char * const *swarm_agent_get_capabilities (SwarmAgent *self) { GETTER (const char * const *, capabilities, NULL); }
gint64 swarm_agent_get_config_timeout (SwarmAgent *self) { GETTER (gint64, config_timeout, 0); }
const char *swarm_agent_get_config_model (SwarmAgent *self) { GETTER (const char *, config_model, NULL); }
gint64 swarm_agent_get_config_max_steps (SwarmAgent *self) { GETTER (gint64, config_max_steps, 0); }
double swarm_agent_get_config_max_cost_usd (SwarmAgent *self) { GETTER (double, config_max_cost_usd, 0); }
const char *swarm_agent_get_model (SwarmAgent *self) { GETTER (const char *, model, NULL); }
gint64 swarm_agent_get_steps (SwarmAgent *self) { GETTER (gint64, steps, 0); }
const char *swarm_agent_get_result (SwarmAgent *self) { GETTER (const char *, result, NULL); }
gboolean swarm_agent_get_result_truncated (SwarmAgent *self) { GETTER (gboolean, result_truncated, FALSE); }
GDateTime *swarm_agent_get_started_at (SwarmAgent *self) { GETTER (GDateTime *, started_at, NULL); }
GDateTime *swarm_agent_get_updated_at (SwarmAgent *self) { GETTER (GDateTime *, updated_at, NULL); }
const char *swarm_agent_get_sandbox_driver (SwarmAgent *self) { GETTER (const char *, sandbox_driver, NULL); }
const char * const *swarm_agent_get_environment_keys (SwarmAgent *self) { GETTER (const char * const *, environment_keys, NULL); }
GHashTable *swarm_agent_get_environment (SwarmAgent *self) { GETTER (GHashTable *,
                                                                     environment, NULL); }
GDateTime *swarm_agent_get_destroyed_at (SwarmAgent *self) { GETTER (GDateTime *,
                                                                     destroyed_at, NULL); }
gint64 swarm_agent_get_elapsed_ms (SwarmAgent *self) { GETTER (gint64, elapsed_ms, 0); }

#undef GETTER

gint64
swarm_agent_get_created_unix_ms (SwarmAgent *self)
{
  g_return_val_if_fail (SWARM_IS_AGENT (self), 0);

  if (self->created_at == NULL)
    return 0;

  return g_date_time_to_unix (self->created_at) * 1000 +
         g_date_time_get_microsecond (self->created_at) / 1000;
}

/**
 * swarm_agent_is_active:
 *
 * Returns: %TRUE while the agent is pending or running.
 */
gboolean
swarm_agent_is_active (SwarmAgent *self)
{
  g_return_val_if_fail (SWARM_IS_AGENT (self), FALSE);

  return self->status == SWARM_AGENT_STATUS_PENDING ||
         self->status == SWARM_AGENT_STATUS_RUNNING;
}

/**
 * swarm_agent_compute_elapsed_ms:
 * @now_unix_us: the current wall-clock time, in microseconds since the epoch
 *
 * The time the agent has run: for a running agent the time since
 * `started_at` (never less than what the backend reported), otherwise the
 * backend's `execution_time_ms`.
 */
gint64
swarm_agent_compute_elapsed_ms (SwarmAgent *self,
                                gint64      now_unix_us)
{
  gint64 started_us;
  gint64 elapsed;

  g_return_val_if_fail (SWARM_IS_AGENT (self), 0);

  if (self->status != SWARM_AGENT_STATUS_RUNNING || self->started_at == NULL)
    return self->execution_time_ms;

  started_us = swarm_date_time_to_unix_us (self->started_at);
  elapsed = (now_unix_us - started_us) / 1000;

  return MAX (elapsed, self->execution_time_ms);
}

void
swarm_agent_set_elapsed_ms (SwarmAgent *self,
                            gint64      elapsed_ms)
{
  g_return_if_fail (SWARM_IS_AGENT (self));

  if (self->elapsed_ms == elapsed_ms)
    return;

  self->elapsed_ms = elapsed_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ELAPSED_MS]);
}

void
swarm_agent_set_status (SwarmAgent       *self,
                        SwarmAgentStatus  status)
{
  g_return_if_fail (SWARM_IS_AGENT (self));

  if (self->status == status)
    return;

  self->status = status;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
}

/**
 * swarm_agent_set_destroyed_at:
 * @time: (nullable): when the agent was destroyed, as far as the app knows
 *
 * Marks an agent of the history as destroyed; a destroyed agent counts
 * as a status change for sorting and filtering.
 */
void
swarm_agent_set_destroyed_at (SwarmAgent *self,
                              GDateTime  *time)
{
  g_return_if_fail (SWARM_IS_AGENT (self));

  if (self->destroyed_at == time ||
      (self->destroyed_at != NULL && time != NULL && g_date_time_equal (self->destroyed_at, time)))
    return;

  g_clear_pointer (&self->destroyed_at, g_date_time_unref);
  if (time != NULL)
    self->destroyed_at = g_date_time_ref (time);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESTROYED_AT]);
}

static gboolean
date_time_equal0 (GDateTime *a,
                  GDateTime *b)
{
  if (a == NULL || b == NULL)
    return a == b;

  return g_date_time_equal (a, b);
}

static gboolean
strv_equal0 (char **a,
             char **b)
{
  if (a == NULL || b == NULL)
    return (a == NULL || a[0] == NULL) && (b == NULL || b[0] == NULL);

  return g_strv_equal ((const char * const *) a, (const char * const *) b);
}

static gboolean
environment_equal (GHashTable *a,
                   GHashTable *b)
{
  GHashTableIter iter;
  gpointer key, value;

  if (a == NULL || b == NULL)
    return a == b;

  if (g_hash_table_size (a) != g_hash_table_size (b))
    return FALSE;

  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *other = g_hash_table_lookup (b, key);

      if (other == NULL || strcmp (other, value) != 0)
        return FALSE;
    }

  return TRUE;
}

/* Every stored field of an agent, once: diff_fields() and
 * swarm_agent_fingerprint() expand it.  (id is the identity, compared
 * apart; environment values are handled apart too.) */
#define AGENT_FIELDS(STR, VAL, DT, STRV)                                        \
  STR (name, PROP_NAME, SWARM_AGENT_CHANGE_NAME);                               \
  STR (agent_type, PROP_AGENT_TYPE, SWARM_AGENT_CHANGE_OTHER);                  \
  VAL (status, PROP_STATUS, SWARM_AGENT_CHANGE_STATUS);                         \
  STR (sandbox_id, PROP_SANDBOX_ID, SWARM_AGENT_CHANGE_SANDBOX);                \
  STR (task_description, PROP_TASK_DESCRIPTION, SWARM_AGENT_CHANGE_TASK);       \
  VAL (tokens_used, PROP_TOKENS_USED, SWARM_AGENT_CHANGE_TOKENS);               \
  VAL (cost_usd, PROP_COST_USD, SWARM_AGENT_CHANGE_COST);                       \
  VAL (execution_time_ms, PROP_EXECUTION_TIME_MS, SWARM_AGENT_CHANGE_TIME);     \
  DT (created_at, PROP_CREATED_AT, SWARM_AGENT_CHANGE_CREATED);                 \
  DT (completed_at, PROP_COMPLETED_AT, SWARM_AGENT_CHANGE_OTHER);               \
  STR (error_message, PROP_ERROR_MESSAGE, SWARM_AGENT_CHANGE_OTHER);            \
  STR (template_id, PROP_TEMPLATE, SWARM_AGENT_CHANGE_OTHER);                   \
  STRV (capabilities, PROP_CAPABILITIES, SWARM_AGENT_CHANGE_OTHER);             \
  VAL (config_timeout, PROP_CONFIG_TIMEOUT, SWARM_AGENT_CHANGE_OTHER);          \
  STR (config_model, PROP_CONFIG_MODEL, SWARM_AGENT_CHANGE_OTHER);              \
  VAL (config_max_steps, PROP_CONFIG_MAX_STEPS, SWARM_AGENT_CHANGE_OTHER);      \
  VAL (config_max_cost_usd, PROP_CONFIG_MAX_COST_USD, SWARM_AGENT_CHANGE_OTHER);\
  STR (model, PROP_MODEL, SWARM_AGENT_CHANGE_OTHER);                            \
  VAL (steps, PROP_STEPS, SWARM_AGENT_CHANGE_OTHER);                            \
  VAL (result_truncated, PROP_RESULT_TRUNCATED, SWARM_AGENT_CHANGE_OTHER);      \
  STR (result, PROP_RESULT, SWARM_AGENT_CHANGE_OTHER);                          \
  DT (started_at, PROP_STARTED_AT, SWARM_AGENT_CHANGE_TIME);                    \
  DT (updated_at, PROP_UPDATED_AT, SWARM_AGENT_CHANGE_OTHER);                   \
  STR (sandbox_driver, PROP_SANDBOX_DRIVER, SWARM_AGENT_CHANGE_OTHER);          \
  STRV (environment_keys, PROP_ENVIRONMENT_KEYS, SWARM_AGENT_CHANGE_OTHER);    \
  DT (destroyed_at, PROP_DESTROYED_AT, SWARM_AGENT_CHANGE_STATUS);

/* Each macro compares one field; when @apply, it also copies it and notifies. */
#define UPDATE_STR(field, prop, change)                             \
  G_STMT_START {                                                    \
    if (g_strcmp0 (self->field, other->field) != 0)                 \
      {                                                             \
        changes |= change;                                          \
        if (apply)                                                  \
          {                                                         \
            g_free (self->field);                                   \
            self->field = g_strdup (other->field);                  \
            g_object_notify_by_pspec (object, properties[prop]);    \
          }                                                         \
      }                                                             \
  } G_STMT_END

#define UPDATE_VAL(field, prop, change)                             \
  G_STMT_START {                                                    \
    if (self->field != other->field)                                \
      {                                                             \
        changes |= change;                                          \
        if (apply)                                                  \
          {                                                         \
            self->field = other->field;                             \
            g_object_notify_by_pspec (object, properties[prop]);    \
          }                                                         \
      }                                                             \
  } G_STMT_END

#define UPDATE_DT(field, prop, change)                              \
  G_STMT_START {                                                    \
    if (!date_time_equal0 (self->field, other->field))              \
      {                                                             \
        changes |= change;                                          \
        if (apply)                                                  \
          {                                                         \
            g_clear_pointer (&self->field, g_date_time_unref);      \
            if (other->field != NULL)                               \
              self->field = g_date_time_ref (other->field);         \
            g_object_notify_by_pspec (object, properties[prop]);    \
          }                                                         \
      }                                                             \
  } G_STMT_END

#define UPDATE_STRV(field, prop, change)                            \
  G_STMT_START {                                                    \
    if (!strv_equal0 (self->field, other->field))                   \
      {                                                             \
        changes |= change;                                          \
        if (apply)                                                  \
          {                                                         \
            g_strfreev (self->field);                               \
            self->field = g_strdupv (other->field);                 \
            g_object_notify_by_pspec (object, properties[prop]);    \
          }                                                         \
      }                                                             \
  } G_STMT_END

/* Compares every field of @self and @other; with @apply, copies the ones
 * that differ into @self and notifies them.  The one list of fields, for
 * updating, comparing and copying alike. */
static SwarmAgentChange
diff_fields (SwarmAgent *self,
             SwarmAgent *other,
             gboolean    apply)
{
  GObject *object = G_OBJECT (self);
  SwarmAgentChange changes = SWARM_AGENT_CHANGE_NONE;

  AGENT_FIELDS (UPDATE_STR, UPDATE_VAL, UPDATE_DT, UPDATE_STRV)

  /* created-unix-ms is derived from created_at. */
  if (apply && (changes & SWARM_AGENT_CHANGE_CREATED))
    g_object_notify_by_pspec (object, properties[PROP_CREATED_UNIX_MS]);

  if (!environment_equal (self->environment, other->environment))
    {
      changes |= SWARM_AGENT_CHANGE_OTHER;
      if (apply)
        {
          clear_environment (&self->environment);
          if (other->environment != NULL)
            self->environment = g_hash_table_ref (other->environment);
        }
    }

  return changes;
}

#undef UPDATE_STR
#undef UPDATE_VAL
#undef UPDATE_DT
#undef UPDATE_STRV

/* Fingerprints: FNV-1a over every field, to find changes in a worker
 * without keeping the previous objects around. */
#define FNV_OFFSET G_GUINT64_CONSTANT (14695981039346656037)
#define FNV_PRIME  G_GUINT64_CONSTANT (1099511628211)

static guint64
fp_bytes (guint64     h,
          const void *data,
          gsize       length)
{
  const guint8 *p = data;

  for (gsize i = 0; i < length; i++)
    h = (h ^ p[i]) * FNV_PRIME;
  return h;
}

static guint64
fp_str (guint64     h,
        const char *str)
{
  static const guint8 null_marker = 0xff;

  /* The terminating NUL keeps "ab","c" apart from "a","bc". */
  return str != NULL ? fp_bytes (h, str, strlen (str) + 1) : fp_bytes (h, &null_marker, 1);
}

static guint64
fp_date_time (guint64    h,
              GDateTime *time)
{
  gint64 us = time != NULL ? swarm_date_time_to_unix_us (time) : G_MININT64;

  return fp_bytes (h, &us, sizeof us);
}

static guint64
fp_strv (guint64  h,
         char   **strv)
{
  guint n = strv != NULL ? g_strv_length (strv) : 0;

  h = fp_bytes (h, &n, sizeof n);
  for (guint i = 0; i < n; i++)
    h = fp_str (h, strv[i]);
  return h;
}

#define FP_STR(field, prop, change)  h = fp_str (h, self->field)
#define FP_VAL(field, prop, change)  h = fp_bytes (h, &self->field, sizeof self->field)
#define FP_DT(field, prop, change)   h = fp_date_time (h, self->field)
#define FP_STRV(field, prop, change) h = fp_strv (h, self->field)

/**
 * swarm_agent_fingerprint:
 *
 * Returns: a 64-bit hash of every field: two agents with the same
 *   fingerprint are, for any practical purpose, equal.  Safe to call from
 *   any thread on an agent no thread changes.
 */
guint64
swarm_agent_fingerprint (SwarmAgent *self)
{
  guint64 h = FNV_OFFSET;

  g_return_val_if_fail (SWARM_IS_AGENT (self), 0);

  h = fp_str (h, self->id);
  AGENT_FIELDS (FP_STR, FP_VAL, FP_DT, FP_STRV)

  if (self->environment != NULL)
    {
      GHashTableIter iter;
      gpointer key, value;
      guint64 entries = 0;

      /* Order-independent: a table's order is not its content. */
      g_hash_table_iter_init (&iter, self->environment);
      while (g_hash_table_iter_next (&iter, &key, &value))
        entries += fp_str (fp_str (FNV_OFFSET, key), value);
      h = fp_bytes (h, &entries, sizeof entries);
    }

  return h;
}

#undef FP_STR
#undef FP_VAL
#undef FP_DT
#undef FP_STRV

/**
 * swarm_agent_update_from:
 * @self: the agent a table shows
 * @other: a newer description of the same agent
 *
 * Copies every field of @other into @self, notifying only the properties
 * whose value really changed.  The derived `elapsed-ms` is left alone.
 *
 * Returns: which groups of fields changed
 */
SwarmAgentChange
swarm_agent_update_from (SwarmAgent *self,
                         SwarmAgent *other)
{
  SwarmAgentChange changes;

  g_return_val_if_fail (SWARM_IS_AGENT (self), SWARM_AGENT_CHANGE_NONE);
  g_return_val_if_fail (SWARM_IS_AGENT (other), SWARM_AGENT_CHANGE_NONE);

  if (self == other)
    return SWARM_AGENT_CHANGE_NONE;

  /* Compare first: freezing notifications costs more than comparing. */
  changes = diff_fields (self, other, FALSE);
  if (changes == SWARM_AGENT_CHANGE_NONE)
    return changes;

  g_object_freeze_notify (G_OBJECT (self));
  diff_fields (self, other, TRUE);
  g_object_thaw_notify (G_OBJECT (self));

  return changes;
}

/**
 * swarm_agent_dup:
 *
 * Returns: (transfer full): a new agent with every field of @self except
 *   the environment values, which a copy never needs: it is for keeping
 *   (the history), not for deploying.
 */
SwarmAgent *
swarm_agent_dup (SwarmAgent *self)
{
  SwarmAgent *copy;

  g_return_val_if_fail (SWARM_IS_AGENT (self), NULL);

  copy = swarm_agent_new (self->id);
  diff_fields (copy, self, TRUE);
  copy->elapsed_ms = self->elapsed_ms;

  return copy;
}

static const char * const status_names[] = {
  [SWARM_AGENT_STATUS_PENDING] = "pending",
  [SWARM_AGENT_STATUS_RUNNING] = "running",
  [SWARM_AGENT_STATUS_COMPLETED] = "completed",
  [SWARM_AGENT_STATUS_FAILED] = "failed",
};

const char *
swarm_agent_status_to_string (SwarmAgentStatus status)
{
  g_return_val_if_fail (status <= SWARM_AGENT_STATUS_FAILED, NULL);

  return status_names[status];
}

gboolean
swarm_agent_status_from_string (const char       *str,
                                SwarmAgentStatus *status)
{
  g_return_val_if_fail (status != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (status_names); i++)
    {
      if (g_strcmp0 (str, status_names[i]) == 0)
        {
          *status = i;
          return TRUE;
        }
    }

  return FALSE;
}

/**
 * swarm_agent_status_get_label:
 *
 * Returns: the translated word shown in a status badge
 */
const char *
swarm_agent_status_get_label (SwarmAgentStatus status)
{
  switch (status)
    {
    case SWARM_AGENT_STATUS_PENDING:
      /* Translators: an agent status, shown in a badge */
      return C_("agent status", "Pending");
    case SWARM_AGENT_STATUS_RUNNING:
      return C_("agent status", "Running");
    case SWARM_AGENT_STATUS_COMPLETED:
      return C_("agent status", "Completed");
    case SWARM_AGENT_STATUS_FAILED:
      return C_("agent status", "Failed");
    default:
      g_return_val_if_reached (NULL);
    }
}
