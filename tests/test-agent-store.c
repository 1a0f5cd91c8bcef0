/* test-agent-store.c — applying refreshes in place, with few signals
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include "swarm-agent-private.h"
#include "swarm-core.h"
#include "swarm-test-utils.h"

typedef struct
{
  guint position, removed, added;
} Change;

typedef struct
{
  SwarmAgentStore *store;
  GArray          *changes;
} Fixture;

static void
on_items_changed_cb (GListModel *model,
                     guint       position,
                     guint       removed,
                     guint       added,
                     gpointer    user_data)
{
  Fixture *f = user_data;
  Change change = { position, removed, added };

  g_array_append_val (f->changes, change);
}

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  f->store = swarm_agent_store_new ();
  f->changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_signal_connect (f->store, "items-changed", G_CALLBACK (on_items_changed_cb), f);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  swarm_test_assert_finalize_soon (f->store);
  g_array_unref (f->changes);
}

static SwarmAgent *
make_agent (const char       *id,
            SwarmAgentStatus  status,
            gint64            tokens)
{
  SwarmAgent *agent = swarm_agent_new (id);

  swarm_set_str (&agent->name, id);
  agent->status = status;
  agent->tokens_used = tokens;
  agent->cost_usd = tokens / 1000.0;
  agent->created_at = g_date_time_new_from_unix_utc (1700000000);
  return agent;
}

static GPtrArray *
make_list (guint n)
{
  GPtrArray *list = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("agent-%03u", i);
      g_ptr_array_add (list, make_agent (id, SWARM_AGENT_STATUS_COMPLETED, i));
    }

  return list;
}

static void
test_new_destroy (void)
{
  SwarmAgentStore *store = swarm_agent_store_new ();

  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (store)) == SWARM_TYPE_AGENT);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (store), 0));
  g_assert_finalize_object (store);
}

static void
count_cb (GObject    *object,
          GParamSpec *pspec,
          gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_apply_in_place (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GPtrArray) first = make_list (10);
  g_autoptr(GPtrArray) second = make_list (10);
  g_autoptr(SwarmAgent) kept = NULL;
  g_autoptr(SwarmAgent) again = NULL;
  SwarmStoreDiff diff;
  guint tokens_notified = 0;
  guint any_notified = 0;

  swarm_agent_store_apply (f->store, first, 0, &diff);
  g_assert_cmpuint (diff.added, ==, 10);
  g_assert_cmpuint (f->changes->len, ==, 1);   /* one signal for all ten */

  kept = g_list_model_get_item (G_LIST_MODEL (f->store), 3);
  g_signal_connect (kept, "notify::tokens-used", G_CALLBACK (count_cb), &tokens_notified);
  g_signal_connect (kept, "notify", G_CALLBACK (count_cb), &any_notified);

  ((SwarmAgent *) g_ptr_array_index (second, 3))->tokens_used = 999;
  g_array_set_size (f->changes, 0);
  swarm_agent_store_apply (f->store, second, 0, &diff);

  /* The same object, updated; only what changed notifies; no items-changed. */
  again = g_list_model_get_item (G_LIST_MODEL (f->store), 3);
  g_assert_true (again == kept);
  g_assert_cmpint (swarm_agent_get_tokens_used (kept), ==, 999);
  g_assert_cmpuint (tokens_notified, ==, 1);
  g_assert_cmpuint (any_notified, ==, 1);
  g_assert_cmpuint (diff.updated, ==, 1);
  g_assert_true (diff.changes & SWARM_AGENT_CHANGE_TOKENS);
  g_assert_false (diff.changes & SWARM_AGENT_CHANGE_STATUS);
  g_assert_cmpuint (f->changes->len, ==, 0);

  g_signal_handlers_disconnect_by_data (kept, &tokens_notified);
  g_signal_handlers_disconnect_by_data (kept, &any_notified);
}

static void
test_remove_runs (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) first = make_list (10);
  g_autoptr(GPtrArray) second = make_list (10);
  SwarmStoreDiff diff;
  Change *c;

  swarm_agent_store_apply (f->store, first, 0, NULL);
  g_array_set_size (f->changes, 0);

  /* Remove 2, 3, 4 and 8: two contiguous runs, two signals. */
  g_ptr_array_remove_index (second, 8);
  g_ptr_array_remove_range (second, 2, 3);
  g_ptr_array_add (second, make_agent ("new-1", SWARM_AGENT_STATUS_PENDING, 0));
  g_ptr_array_add (second, make_agent ("new-2", SWARM_AGENT_STATUS_PENDING, 0));

  swarm_agent_store_apply (f->store, second, 0, &diff);
  g_assert_cmpuint (diff.removed, ==, 4);
  g_assert_cmpuint (diff.added, ==, 2);
  g_assert_cmpuint (f->changes->len, ==, 3);

  c = &g_array_index (f->changes, Change, 0);
  g_assert_cmpuint (c->position, ==, 8);
  g_assert_cmpuint (c->removed, ==, 1);
  c = &g_array_index (f->changes, Change, 1);
  g_assert_cmpuint (c->position, ==, 2);
  g_assert_cmpuint (c->removed, ==, 3);
  c = &g_array_index (f->changes, Change, 2);
  g_assert_cmpuint (c->position, ==, 6);
  g_assert_cmpuint (c->added, ==, 2);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->store)), ==, 8);
  g_assert_null (swarm_agent_store_lookup (f->store, "agent-003"));
  g_assert_nonnull (swarm_agent_store_lookup (f->store, "new-2"));
}

static void
test_provisional (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) empty = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(SwarmAgent) deployed = make_agent ("deployed", SWARM_AGENT_STATUS_PENDING, 0);
  gint64 before = g_get_monotonic_time ();

  swarm_agent_store_add (f->store, deployed);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->store)), ==, 1);

  /* A list requested before the deploy cannot know the new agent. */
  swarm_agent_store_apply (f->store, empty, before, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->store)), ==, 1);

  /* One requested afterwards can. */
  swarm_agent_store_apply (f->store, empty, g_get_monotonic_time () + 1, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->store)), ==, 0);
}

static void
test_totals_and_elapsed (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (g_object_unref);
  SwarmAgent *running = make_agent ("r", SWARM_AGENT_STATUS_RUNNING, 1500);
  SwarmAgent *done = make_agent ("d", SWARM_AGENT_STATUS_COMPLETED, 500);
  SwarmAgent *pending = make_agent ("p", SWARM_AGENT_STATUS_PENDING, 0);
  gint64 now_us = (gint64) 1700000100 * G_USEC_PER_SEC;
  SwarmTotals totals;

  running->sandbox_id = g_strdup ("s1");
  running->started_at = g_date_time_new_from_unix_utc (1700000055);
  running->execution_time_ms = 1000;
  done->sandbox_id = g_strdup ("s2");
  done->execution_time_ms = 7000;
  g_ptr_array_add (list, running);
  g_ptr_array_add (list, done);
  g_ptr_array_add (list, pending);

  swarm_agent_store_apply (f->store, list, 0, NULL);
  swarm_agent_store_get_totals (f->store, &totals);
  g_assert_cmpuint (totals.sandboxes, ==, 2);
  g_assert_cmpuint (totals.active, ==, 1);
  g_assert_cmpint (totals.tokens, ==, 2000);
  g_assert_cmpfloat_with_epsilon (totals.cost_usd, 2.0, 1e-9);

  /* Running: drawn from started_at; ended: the backend's figure. */
  g_assert_cmpint (swarm_agent_compute_elapsed_ms (swarm_agent_store_lookup (f->store, "r"), now_us), ==, 45000);
  g_assert_cmpint (swarm_agent_compute_elapsed_ms (swarm_agent_store_lookup (f->store, "d"), now_us), ==, 7000);
}

static void
test_prepared_in_thread (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GPtrArray) first = make_list (100);
  g_autoptr(GPtrArray) second = make_list (100);
  g_autoptr(SwarmStoreUpdate) update = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  SwarmAgent *shown;
  SwarmStoreDiff diff;
  guint notified = 0;

  swarm_agent_store_apply (f->store, first, 0, NULL);
  shown = swarm_agent_store_lookup (f->store, "agent-042");
  g_signal_connect (swarm_agent_store_lookup (f->store, "agent-007"), "notify", G_CALLBACK (count_cb), &notified);

  ((SwarmAgent *) g_ptr_array_index (second, 42))->status = SWARM_AGENT_STATUS_FAILED;
  g_ptr_array_remove_index (second, 99);

  swarm_agent_store_prepare_async (f->store, second, NULL, swarm_test_store_result_cb, &slot);
  result = swarm_test_wait_result (&slot);
  update = swarm_agent_store_prepare_finish (f->store, result, &error);
  g_assert_no_error (error);

  g_array_set_size (f->changes, 0);
  swarm_agent_store_apply_update (f->store, update, 0, &diff);
  g_assert_cmpuint (diff.updated, ==, 1);
  g_assert_cmpuint (diff.removed, ==, 1);
  g_assert_cmpuint (diff.added, ==, 0);
  g_assert_true (swarm_agent_store_lookup (f->store, "agent-042") == shown);
  g_assert_cmpint (swarm_agent_get_status (shown), ==, SWARM_AGENT_STATUS_FAILED);
  /* An agent that did not change is not touched at all. */
  g_assert_cmpuint (notified, ==, 0);
  g_assert_cmpuint (f->changes->len, ==, 1);

  g_signal_handlers_disconnect_by_data (swarm_agent_store_lookup (f->store, "agent-007"), &notified);
}

static void
test_fingerprint (void)
{
  g_autoptr(SwarmAgent) a = make_agent ("same", SWARM_AGENT_STATUS_RUNNING, 10);
  g_autoptr(SwarmAgent) b = make_agent ("same", SWARM_AGENT_STATUS_RUNNING, 10);
  guint64 before = swarm_agent_fingerprint (a);

  g_assert_cmpuint (before, ==, swarm_agent_fingerprint (b));

  /* A string, a number, a time, a list, the environment: each counts. */
  swarm_set_str (&b->task_description, "other");
  g_assert_cmpuint (swarm_agent_fingerprint (b), !=, before);
  swarm_set_str (&b->task_description, "");
  g_assert_cmpuint (swarm_agent_fingerprint (b), ==, before);
  b->cost_usd += 0.001;
  g_assert_cmpuint (swarm_agent_fingerprint (b), !=, before);
  b->cost_usd = a->cost_usd;
  b->completed_at = g_date_time_new_now_utc ();
  g_assert_cmpuint (swarm_agent_fingerprint (b), !=, before);
  g_clear_pointer (&b->completed_at, g_date_time_unref);
  b->capabilities = g_strsplit ("x", " ", -1);
  g_assert_cmpuint (swarm_agent_fingerprint (b), !=, before);
  g_clear_pointer (&b->capabilities, g_strfreev);
  b->environment = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (b->environment, g_strdup ("K"), g_strdup ("v1"));
  before = swarm_agent_fingerprint (b);
  g_hash_table_insert (b->environment, g_strdup ("K"), g_strdup ("v2"));
  g_assert_cmpuint (swarm_agent_fingerprint (b), !=, before);
  /* The id too. */
  {
    g_autoptr(SwarmAgent) x = make_agent ("x", 0, 0);
    g_autoptr(SwarmAgent) y = make_agent ("y", 0, 0);

    g_assert_cmpuint (swarm_agent_fingerprint (x), !=, swarm_agent_fingerprint (y));
  }
}

static void
test_remove_and_clear (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GPtrArray) list = make_list (5);

  swarm_agent_store_apply (f->store, list, 0, NULL);
  g_assert_true (swarm_agent_store_remove (f->store, "agent-002"));
  g_assert_false (swarm_agent_store_remove (f->store, "agent-002"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->store)), ==, 4);
  swarm_agent_store_clear (f->store);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->store)), ==, 0);
  g_assert_null (swarm_agent_store_lookup (f->store, "agent-001"));
}

static void
test_gone_and_ended (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GPtrArray) first = make_list (5);
  g_autoptr(GPtrArray) second = make_list (5);
  g_autoptr(GPtrArray) gone = NULL;
  g_autoptr(GPtrArray) ended = NULL;
  g_autoptr(SwarmAgent) deployed = make_agent ("deployed", SWARM_AGENT_STATUS_PENDING, 0);

  ((SwarmAgent *) first->pdata[1])->status = SWARM_AGENT_STATUS_RUNNING;
  ((SwarmAgent *) first->pdata[2])->status = SWARM_AGENT_STATUS_RUNNING;
  swarm_agent_store_apply (f->store, first, 0, NULL);
  g_assert_null (swarm_agent_store_take_gone (f->store));
  g_assert_null (swarm_agent_store_take_ended (f->store));

  /* agent-001 ends, agent-002 keeps running, agent-004 is gone. */
  ((SwarmAgent *) second->pdata[2])->status = SWARM_AGENT_STATUS_RUNNING;
  g_ptr_array_remove_index (second, 4);
  swarm_agent_store_apply (f->store, second, 0, NULL);

  gone = swarm_agent_store_take_gone (f->store);
  g_assert_nonnull (gone);
  g_assert_cmpuint (gone->len, ==, 1);
  g_assert_cmpstr (swarm_agent_get_id (gone->pdata[0]), ==, "agent-004");
  ended = swarm_agent_store_take_ended (f->store);
  g_assert_nonnull (ended);
  g_assert_cmpuint (ended->len, ==, 1);
  g_assert_cmpstr (swarm_agent_get_id (ended->pdata[0]), ==, "agent-001");

  /* Taken once; a removal by the app is not "gone". */
  g_assert_null (swarm_agent_store_take_gone (f->store));
  swarm_agent_store_add (f->store, deployed);
  g_assert_true (swarm_agent_store_remove (f->store, "agent-000"));
  g_assert_null (swarm_agent_store_take_gone (f->store));
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/swarm/agent-store/new-destroy", test_new_destroy);
  g_test_add_func ("/swarm/agent-store/fingerprint", test_fingerprint);
  g_test_add ("/swarm/agent-store/apply-in-place", Fixture, NULL, set_up, test_apply_in_place, tear_down);
  g_test_add ("/swarm/agent-store/remove-runs", Fixture, NULL, set_up, test_remove_runs, tear_down);
  g_test_add ("/swarm/agent-store/provisional", Fixture, NULL, set_up, test_provisional, tear_down);
  g_test_add ("/swarm/agent-store/totals-and-elapsed", Fixture, NULL, set_up, test_totals_and_elapsed, tear_down);
  g_test_add ("/swarm/agent-store/prepared-in-thread", Fixture, NULL, set_up, test_prepared_in_thread, tear_down);
  g_test_add ("/swarm/agent-store/remove-and-clear", Fixture, NULL, set_up, test_remove_and_clear, tear_down);
  g_test_add ("/swarm/agent-store/gone-and-ended", Fixture, NULL, set_up, test_gone_and_ended, tear_down);

  return g_test_run ();
}
