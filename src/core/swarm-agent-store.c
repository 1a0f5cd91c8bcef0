/* swarm-agent-store.c — the agents a table shows, kept in place by id
 *
 * A GListModel over one SwarmAgent per agent for the agent's whole life.
 * A refresh updates the objects in place (each notifies only what really
 * changed), removes the agents gone from the list in one items-changed per
 * contiguous run, and appends the new ones in one: a sort model above sees
 * a handful of signals per refresh, never one per agent.
 *
 * Finding what changed is the costly part with thousands of agents, so it
 * happens in a worker thread (swarm_agent_store_prepare_async()): each
 * listed agent's fingerprint is compared with the one it had in the
 * previous list, and the main thread then touches only the agents that
 * changed.  The unchanged ones of the new list are freed in the worker.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarm-agent-store"

#include "config.h"

#include "swarm-agent-store.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

struct _SwarmAgentStore
{
  GObject     parent_instance;

  GPtrArray  *items;        /* (owned) (element-type SwarmAgent) */
  GHashTable *by_id;        /* (owned): id → SwarmAgent, borrowed from items */
  GHashTable *provisional;  /* (owned): id → insertion time (µs), for rows added
                             * before the backend listed them */
  GHashTable *snapshot;     /* (owned) (nullable): id → fingerprint (guint64 *) of
                             * the last list; handed to the next worker */
  GPtrArray  *gone;         /* (owned) (nullable): agents lists removed, not yet taken */
  GPtrArray  *ended;        /* (owned) (nullable): agents lists ended, not yet taken */
};

struct _SwarmStoreUpdate
{
  GHashTable *snapshot;     /* (owned): the new list, id → fingerprint */
  GPtrArray  *changed;      /* (owned): agents listed before, now different */
  GPtrArray  *added;        /* (owned): agents not listed before */
  GPtrArray  *removed;      /* (owned) (element-type utf8): ids no longer listed */
};

void
swarm_store_update_free (SwarmStoreUpdate *update)
{
  if (update == NULL)
    return;

  g_clear_pointer (&update->snapshot, g_hash_table_unref);
  g_clear_pointer (&update->changed, g_ptr_array_unref);
  g_clear_pointer (&update->added, g_ptr_array_unref);
  g_clear_pointer (&update->removed, g_ptr_array_unref);
  g_free (update);
}

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SwarmAgentStore, swarm_agent_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
get_item_type (GListModel *model)
{
  return SWARM_TYPE_AGENT;
}

static guint
get_n_items (GListModel *model)
{
  return SWARM_AGENT_STORE (model)->items->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  SwarmAgentStore *self = SWARM_AGENT_STORE (model);

  if (position >= self->items->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
swarm_agent_store_finalize (GObject *object)
{
  SwarmAgentStore *self = SWARM_AGENT_STORE (object);

  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_pointer (&self->provisional, g_hash_table_unref);
  g_clear_pointer (&self->snapshot, g_hash_table_unref);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->gone, g_ptr_array_unref);
  g_clear_pointer (&self->ended, g_ptr_array_unref);

  G_OBJECT_CLASS (swarm_agent_store_parent_class)->finalize (object);
}

static void
swarm_agent_store_class_init (SwarmAgentStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = swarm_agent_store_finalize;
}

static void
swarm_agent_store_init (SwarmAgentStore *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->provisional = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

SwarmAgentStore *
swarm_agent_store_new (void)
{
  return g_object_new (SWARM_TYPE_AGENT_STORE, NULL);
}

static void
take_note (GPtrArray  **array,
           SwarmAgent  *agent)
{
  if (*array == NULL)
    *array = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (*array, g_object_ref (agent));
}

/* Removes the items whose id is in @doomed, one signal per contiguous run;
 * with @gone, also keeps them there. */
static guint
remove_marked (SwarmAgentStore  *self,
               GHashTable       *doomed,
               GPtrArray       **gone)
{
  guint removed = 0;
  guint i = self->items->len;

  while (i > 0)
    {
      guint end = i;

      while (i > 0 && g_hash_table_contains (doomed, g_ptr_array_index (self->items, i - 1)))
        i--;

      if (i < end)
        {
          for (guint j = i; j < end; j++)
            {
              SwarmAgent *agent = g_ptr_array_index (self->items, j);

              g_hash_table_remove (self->provisional, swarm_agent_get_id (agent));
              g_hash_table_remove (self->by_id, swarm_agent_get_id (agent));
              if (gone != NULL)
                take_note (gone, agent);
            }
          g_ptr_array_remove_range (self->items, i, end - i);
          g_list_model_items_changed (G_LIST_MODEL (self), i, end - i, 0);
          removed += end - i;
        }
      else
        {
          i--;
        }
    }

  return removed;
}

/* Compares @agents with the fingerprints in @previous, in any thread. */
static SwarmStoreUpdate *
prepare (GHashTable *previous,
         GPtrArray  *agents)
{
  SwarmStoreUpdate *update = g_new0 (SwarmStoreUpdate, 1);

  update->snapshot = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  update->changed = g_ptr_array_new_with_free_func (g_object_unref);
  update->added = g_ptr_array_new_with_free_func (g_object_unref);
  update->removed = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < agents->len; i++)
    {
      SwarmAgent *agent = g_ptr_array_index (agents, i);
      const char *id = swarm_agent_get_id (agent);
      guint64 fingerprint = swarm_agent_fingerprint (agent);
      guint64 *before = previous != NULL ? g_hash_table_lookup (previous, id) : NULL;

      if (before == NULL)
        g_ptr_array_add (update->added, g_object_ref (agent));
      else if (*before != fingerprint)
        g_ptr_array_add (update->changed, g_object_ref (agent));

      g_hash_table_replace (update->snapshot, g_strdup (id),
                            g_memdup2 (&fingerprint, sizeof fingerprint));
    }

  if (previous != NULL)
    {
      GHashTableIter iter;
      gpointer id;

      g_hash_table_iter_init (&iter, previous);
      while (g_hash_table_iter_next (&iter, &id, NULL))
        if (!g_hash_table_contains (update->snapshot, id))
          g_ptr_array_add (update->removed, g_strdup (id));
    }

  return update;
}

typedef struct
{
  GHashTable *previous;   /* (owned) (nullable) */
  GPtrArray  *agents;     /* (owned) */
} PrepareData;

static void
prepare_data_free (PrepareData *data)
{
  g_clear_pointer (&data->previous, g_hash_table_unref);
  g_clear_pointer (&data->agents, g_ptr_array_unref);
  g_free (data);
}

static void
prepare_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  PrepareData *data = task_data;
  SwarmStoreUpdate *update = prepare (data->previous, data->agents);

  /* The old snapshot and the parsed list are freed here, not on the main
   * thread; then the freed memory goes back to the system, or a 10 MB list
   * every five seconds leaves the heap that much larger. */
  g_clear_pointer (&data->previous, g_hash_table_unref);
  g_clear_pointer (&data->agents, g_ptr_array_unref);
#ifdef __GLIBC__
  malloc_trim (0);
#endif

  g_task_return_pointer (task, update, (GDestroyNotify) swarm_store_update_free);
}

/**
 * swarm_agent_store_prepare_async:
 * @agents: (transfer none) (element-type SwarmAgent): a complete list from
 *   the backend; no one may change these agents any more: the ones that
 *   changed or are new become the store's
 *
 * Works out, in a worker thread, what makes the store show @agents.
 */
void
swarm_agent_store_prepare_async (SwarmAgentStore     *self,
                                 GPtrArray           *agents,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  PrepareData *data;

  g_return_if_fail (SWARM_IS_AGENT_STORE (self));
  g_return_if_fail (agents != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, swarm_agent_store_prepare_async);

  /* The worker takes the snapshot and frees it: 10,000 agents are not
   * freed on the main thread.  (If the task is cancelled the next list is
   * compared with nothing; every agent is then looked at once more.) */
  data = g_new0 (PrepareData, 1);
  data->previous = g_steal_pointer (&self->snapshot);
  data->agents = g_ptr_array_ref (agents);
  g_task_set_task_data (task, data, (GDestroyNotify) prepare_data_free);

  g_task_run_in_thread (task, prepare_thread);
}

SwarmStoreUpdate *
swarm_agent_store_prepare_finish (SwarmAgentStore  *self,
                                  GAsyncResult     *result,
                                  GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * swarm_agent_store_apply_update:
 * @update: what swarm_agent_store_prepare_async() worked out
 * @request_started_us: when the list was requested (monotonic time); rows
 *   added locally after that stay even if the list lacks them
 * @diff: (out) (optional): what changed
 *
 * Changes the objects of the agents that changed, removes the ones gone
 * and appends the new ones.  Costs nothing for the agents that did not
 * change.
 */
void
swarm_agent_store_apply_update (SwarmAgentStore  *self,
                                SwarmStoreUpdate *update,
                                gint64            request_started_us,
                                SwarmStoreDiff   *diff)
{
  g_autoptr(GHashTable) doomed = NULL;
  g_autoptr(GPtrArray) fresh = NULL;
  SwarmStoreDiff result = { 0, };

  g_return_if_fail (SWARM_IS_AGENT_STORE (self));
  g_return_if_fail (update != NULL);

  fresh = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < update->changed->len + update->added->len; i++)
    {
      SwarmAgent *incoming = i < update->changed->len ? g_ptr_array_index (update->changed, i)
                                                      : g_ptr_array_index (update->added, i - update->changed->len);
      const char *id = swarm_agent_get_id (incoming);
      SwarmAgent *existing = g_hash_table_lookup (self->by_id, id);

      if (existing != NULL)
        {
          gboolean was_active = swarm_agent_is_active (existing);
          SwarmAgentChange changes = swarm_agent_update_from (existing, incoming);

          if (changes != SWARM_AGENT_CHANGE_NONE)
            {
              result.changes |= changes;
              result.updated++;
            }
          if (was_active && !swarm_agent_is_active (existing))
            take_note (&self->ended, existing);
        }
      else
        {
          g_ptr_array_add (fresh, g_object_ref (incoming));
        }

      if (g_hash_table_size (self->provisional) > 0)
        g_hash_table_remove (self->provisional, id);
    }

  doomed = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < update->removed->len; i++)
    {
      SwarmAgent *agent = g_hash_table_lookup (self->by_id, g_ptr_array_index (update->removed, i));

      if (agent != NULL && !g_hash_table_contains (self->provisional, swarm_agent_get_id (agent)))
        g_hash_table_add (doomed, agent);
    }

  /* Rows added before this list was requested, and still not in it. */
  if (g_hash_table_size (self->provisional) > 0)
    {
      GHashTableIter iter;
      gpointer id, added_at;

      g_hash_table_iter_init (&iter, self->provisional);
      while (g_hash_table_iter_next (&iter, &id, &added_at))
        {
          SwarmAgent *agent = g_hash_table_lookup (self->by_id, id);

          if (agent != NULL && *(gint64 *) added_at < request_started_us &&
              !g_hash_table_contains (update->snapshot, id))
            g_hash_table_add (doomed, agent);
        }
    }

  if (g_hash_table_size (doomed) > 0)
    result.removed = remove_marked (self, doomed, &self->gone);

  if (fresh->len > 0)
    {
      guint position = self->items->len;

      for (guint i = 0; i < fresh->len; i++)
        {
          SwarmAgent *agent = g_ptr_array_index (fresh, i);

          g_ptr_array_add (self->items, g_object_ref (agent));
          g_hash_table_insert (self->by_id, (gpointer) swarm_agent_get_id (agent), agent);
        }

      result.added = fresh->len;
      g_list_model_items_changed (G_LIST_MODEL (self), position, 0, fresh->len);
    }

  g_clear_pointer (&self->snapshot, g_hash_table_unref);
  self->snapshot = g_steal_pointer (&update->snapshot);

  if (diff != NULL)
    *diff = result;
}

/**
 * swarm_agent_store_apply:
 * @agents: (element-type SwarmAgent): a complete list from the backend
 * @request_started_us: see swarm_agent_store_apply_update()
 * @diff: (out) (optional): what changed
 *
 * Prepares and applies in the calling thread: for small lists and tests.
 */
void
swarm_agent_store_apply (SwarmAgentStore *self,
                         GPtrArray       *agents,
                         gint64           request_started_us,
                         SwarmStoreDiff  *diff)
{
  g_autoptr(SwarmStoreUpdate) update = NULL;

  g_return_if_fail (SWARM_IS_AGENT_STORE (self));
  g_return_if_fail (agents != NULL);

  update = prepare (self->snapshot, agents);
  swarm_agent_store_apply_update (self, update, request_started_us, diff);
}

/**
 * swarm_agent_store_lookup:
 *
 * Returns: (transfer none) (nullable): the agent with @agent_id
 */
SwarmAgent *
swarm_agent_store_lookup (SwarmAgentStore *self,
                          const char      *agent_id)
{
  g_return_val_if_fail (SWARM_IS_AGENT_STORE (self), NULL);
  g_return_val_if_fail (agent_id != NULL, NULL);

  return g_hash_table_lookup (self->by_id, agent_id);
}

/**
 * swarm_agent_store_add:
 *
 * Adds an agent the backend has not listed yet (one just deployed), or
 * updates it in place if it is already there.  A later list that was
 * requested before the call does not remove it.
 */
void
swarm_agent_store_add (SwarmAgentStore *self,
                       SwarmAgent      *agent)
{
  SwarmAgent *existing;

  g_return_if_fail (SWARM_IS_AGENT_STORE (self));
  g_return_if_fail (SWARM_IS_AGENT (agent));

  existing = g_hash_table_lookup (self->by_id, swarm_agent_get_id (agent));
  if (existing != NULL)
    {
      swarm_agent_update_from (existing, agent);
      return;
    }

  g_hash_table_insert (self->provisional, g_strdup (swarm_agent_get_id (agent)),
                       g_memdup2 (&(gint64) { g_get_monotonic_time () }, sizeof (gint64)));
  g_ptr_array_add (self->items, g_object_ref (agent));
  g_hash_table_insert (self->by_id, (gpointer) swarm_agent_get_id (agent), agent);
  g_list_model_items_changed (G_LIST_MODEL (self), self->items->len - 1, 0, 1);
}

/**
 * swarm_agent_store_update:
 *
 * Updates the stored agent with the same id in place (after terminate,
 * say); does nothing if there is none.
 */
void
swarm_agent_store_update (SwarmAgentStore *self,
                          SwarmAgent      *agent)
{
  SwarmAgent *existing;

  g_return_if_fail (SWARM_IS_AGENT_STORE (self));
  g_return_if_fail (SWARM_IS_AGENT (agent));

  existing = g_hash_table_lookup (self->by_id, swarm_agent_get_id (agent));
  if (existing != NULL)
    swarm_agent_update_from (existing, agent);
}

/**
 * swarm_agent_store_remove:
 *
 * Returns: %TRUE if an agent with @agent_id was there
 */
gboolean
swarm_agent_store_remove (SwarmAgentStore *self,
                          const char      *agent_id)
{
  g_autoptr(GHashTable) doomed = NULL;
  SwarmAgent *agent;

  g_return_val_if_fail (SWARM_IS_AGENT_STORE (self), FALSE);
  g_return_val_if_fail (agent_id != NULL, FALSE);

  agent = g_hash_table_lookup (self->by_id, agent_id);
  if (agent == NULL)
    return FALSE;

  doomed = g_hash_table_new (NULL, NULL);
  g_hash_table_add (doomed, agent);
  remove_marked (self, doomed, NULL);

  return TRUE;
}

void
swarm_agent_store_clear (SwarmAgentStore *self)
{
  guint n;

  g_return_if_fail (SWARM_IS_AGENT_STORE (self));

  g_clear_pointer (&self->gone, g_ptr_array_unref);
  g_clear_pointer (&self->ended, g_ptr_array_unref);

  n = self->items->len;
  if (n == 0)
    return;

  g_hash_table_remove_all (self->by_id);
  g_hash_table_remove_all (self->provisional);
  g_clear_pointer (&self->snapshot, g_hash_table_unref);
  g_ptr_array_set_size (self->items, 0);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, n, 0);
}

/**
 * swarm_agent_store_take_gone:
 *
 * Returns: (transfer full) (nullable) (element-type SwarmAgent): the
 *   agents that lists removed since the last call: a complete list no
 *   longer had them.  swarm_agent_store_remove() does not count.
 */
GPtrArray *
swarm_agent_store_take_gone (SwarmAgentStore *self)
{
  g_return_val_if_fail (SWARM_IS_AGENT_STORE (self), NULL);

  return g_steal_pointer (&self->gone);
}

/**
 * swarm_agent_store_take_ended:
 *
 * Returns: (transfer full) (nullable) (element-type SwarmAgent): the
 *   agents a list showed ending (pending or running before, not any
 *   more) since the last call
 */
GPtrArray *
swarm_agent_store_take_ended (SwarmAgentStore *self)
{
  g_return_val_if_fail (SWARM_IS_AGENT_STORE (self), NULL);

  return g_steal_pointer (&self->ended);
}

/**
 * swarm_agent_store_get_totals:
 *
 * Sums what the metric cards show.
 */
void
swarm_agent_store_get_totals (SwarmAgentStore *self,
                              SwarmTotals     *totals)
{
  g_return_if_fail (SWARM_IS_AGENT_STORE (self));
  g_return_if_fail (totals != NULL);

  *totals = (SwarmTotals) { 0, };

  for (guint i = 0; i < self->items->len; i++)
    {
      SwarmAgent *agent = g_ptr_array_index (self->items, i);
      const char *sandbox = swarm_agent_get_sandbox_id (agent);

      if (sandbox != NULL && *sandbox != '\0')
        totals->sandboxes++;
      if (swarm_agent_get_status (agent) == SWARM_AGENT_STATUS_RUNNING)
        totals->active++;
      totals->tokens += swarm_agent_get_tokens_used (agent);
      totals->cost_usd += swarm_agent_get_cost_usd (agent);
    }
}
