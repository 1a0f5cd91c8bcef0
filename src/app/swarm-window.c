/* swarm-window.c — the dashboard
 *
 * Refreshes the agent list every `refresh-interval` seconds on the main
 * loop.  A tick is skipped while a request is in flight; F5 cancels it and
 * starts anew.  Each list is applied to one SwarmAgentStore in place, so
 * selection and scroll position survive.  When the backend cannot be
 * reached the table keeps the last data and a banner says so.
 *
 * The history (SwarmHistory) is read before the first request, so the
 * table shows the backend's agents as last seen at once, offline too;
 * every list is handed to it before the store takes its agents.  Agents a
 * complete list no longer has, or that the app destroyed, move to a
 * second model of destroyed agents, shown with “Show Destroyed Agents”.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarm-window"

#include "config.h"

#include <glib/gi18n.h>

#include "swarm-agent-details.h"
#include "swarm-agent-table.h"
#include "swarm-bench.h"
#include "swarm-deploy-dialog.h"
#include "swarm-frame-wait.h"
#include "swarm-metric-card.h"
#include "swarm-window.h"

struct _SwarmWindow
{
  AdwApplicationWindow  parent_instance;

  /* template children */
  AdwToastOverlay      *toast_overlay;
  AdwWindowTitle       *window_title;
  GtkRevealer          *banner_revealer;
  GtkLabel             *banner_label;
  GtkLabel             *banner_detail_label;
  GtkWidget            *deploy_button;
  GtkStack             *main_stack;
  GtkSpinner           *loading_spinner;
  guint                 spinner_timeout_id;   /* the spinner shows only for a wait that lasts */
  AdwStatusPage        *unreachable_page;
  SwarmMetricCard      *sandboxes_card;
  SwarmMetricCard      *active_card;
  SwarmMetricCard      *tokens_card;
  SwarmMetricCard      *cost_card;
  GtkSearchEntry       *search_entry;
  GtkDropDown          *status_dropdown;
  GtkToggleButton      *history_button;
  GtkStack             *table_stack;
  SwarmAgentTable      *agent_table;

  GSettings            *settings;             /* (owned) */
  SwarmClient          *client;               /* (owned) */
  SwarmAgentStore      *store;                /* (owned) */
  GListStore           *destroyed;            /* (owned) (element-type SwarmAgent) */
  SwarmHistory         *history;              /* (owned) (nullable) */
  char                 *backend_key;          /* (owned): the normalised backend URL */
  GQueue                log_queue;            /* (element-type utf8): ended agents whose logs to keep */
  gboolean              fetching_logs;
  gboolean              history_loading;
  gboolean              history_reported;     /* a history failure was shown once */
  gint64                last_success_us;      /* wall clock of the last complete list */
  GCancellable         *refresh_cancellable;  /* (owned) (nullable): the list in flight */
  GCancellable         *cancellable;          /* (owned): everything else */
  GCancellable         *backend_cancellable;  /* (owned): what belongs to the current backend */
  guint                 startup_pending;      /* history and token lookups before the first request */
  SwarmFrameWait       *rows_wait;            /* (nullable): waiting for the history's rows on screen */
  char                 *keyring_error;        /* (owned) (nullable): why no token could be read */
  GHashTable           *details;              /* agent id → SwarmAgentDetails (unowned) */
  gint64                refresh_started_us;
  gint64                refresh_cpu_us;       /* main-thread CPU spent on the refresh in flight */
  guint                 refresh_id;
  gboolean              local_default;        /* the backend is this computer's daemon */
  gboolean              discovering;
  gint64                last_discovery_us;
  gboolean              loaded;               /* a list has arrived */
  gboolean              reachable;
  gboolean              bench_painted;
};

G_DEFINE_FINAL_TYPE (SwarmWindow, swarm_window, ADW_TYPE_APPLICATION_WINDOW)

static void refresh                   (SwarmWindow *self,
                                       gboolean     user_requested);
static void on_backend_url_changed_cb (SwarmWindow *self);
static void on_first_rows_painted_cb  (GdkFrameClock *clock,
                                       SwarmWindow   *self);

/* State ----------------------------------------------------------------------- */

static void
update_cards (SwarmWindow *self)
{
  SwarmTotals totals;
  g_autofree char *sandboxes = NULL;
  g_autofree char *active = NULL;
  g_autofree char *tokens = NULL;
  g_autofree char *cost = NULL;

  swarm_agent_store_get_totals (self->store, &totals);
  sandboxes = swarm_format_count (totals.sandboxes);
  active = swarm_format_count (totals.active);
  tokens = swarm_format_count (totals.tokens);
  cost = totals.cost_usd > 0 && totals.cost_usd < 0.01 ? swarm_format_cost (totals.cost_usd)
                                                       : g_strdup_printf ("$%.2f", totals.cost_usd);

  swarm_metric_card_set_value (self->sandboxes_card, sandboxes);
  swarm_metric_card_set_value (self->active_card, active);
  swarm_metric_card_set_value (self->tokens_card, tokens);
  swarm_metric_card_set_value (self->cost_card, cost);
}

/* A spinner only for a wait that lasts: at launch the history's rows come
 * within a few frames, and a spinner that flashes for them is noise. */
#define SPINNER_DELAY_MS 400

static gboolean
show_spinner_cb (gpointer user_data)
{
  SwarmWindow *self = user_data;

  self->spinner_timeout_id = 0;
  gtk_spinner_set_spinning (self->loading_spinner, TRUE);
  return G_SOURCE_REMOVE;
}

static void
update_view (SwarmWindow *self)
{
  guint n_total, n_shown;
  const char *page;

  /* The template's widgets notify while the window is being built. */
  if (self->store == NULL || self->settings == NULL)
    return;

  n_total = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  if (g_settings_get_boolean (self->settings, "show-history"))
    n_total += g_list_model_get_n_items (G_LIST_MODEL (self->destroyed));
  n_shown = g_list_model_get_n_items (swarm_agent_table_get_visible_model (self->agent_table));

  if (n_total > 0)
    page = "agents";
  else if ((!self->loaded || self->history_loading) && self->reachable)
    page = "loading";
  else if (!self->reachable)
    page = "unreachable";
  else
    page = "empty";

  gtk_stack_set_visible_child_name (self->main_stack, page);
  if (!g_str_equal (page, "loading"))
    {
      g_clear_handle_id (&self->spinner_timeout_id, g_source_remove);
      gtk_spinner_set_spinning (self->loading_spinner, FALSE);
    }
  else if (!gtk_spinner_get_spinning (self->loading_spinner) && self->spinner_timeout_id == 0)
    {
      self->spinner_timeout_id = g_timeout_add (SPINNER_DELAY_MS, show_spinner_cb, self);
    }
  gtk_stack_set_visible_child_name (self->table_stack, n_shown > 0 ? "table" : "no-results");
}

static void
store_changed (SwarmWindow *self)
{
  update_cards (self);
  update_view (self);
}

static void
set_banner (SwarmWindow *self,
            const char  *message)
{
  if (message != NULL)
    {
      g_autofree char *text = NULL;
      g_autofree char *escaped = NULL;
      guint interval = g_settings_get_uint (self->settings, "refresh-interval");
      gboolean has_rows = g_list_model_get_n_items (G_LIST_MODEL (self->store)) > 0 ||
                          g_list_model_get_n_items (G_LIST_MODEL (self->destroyed)) > 0;

      /* Every sentence names the backend: the client's own messages do,
       * a server's may not. */
      if (strstr (message, swarm_client_get_base_url (self->client)) != NULL)
        text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "%s Retrying every %u second.",
                                             "%s Retrying every %u seconds.", interval),
                                message, interval);
      else
        text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "The backend at %s: %s Retrying every %u second.",
                                             "The backend at %s: %s Retrying every %u seconds.", interval),
                                swarm_client_get_base_url (self->client), message, interval);

      /* With rows to show, the headline says what they are; the reason
       * goes below it. */
      if (has_rows)
        {
          g_autofree char *headline = NULL;

          if (self->last_success_us > 0)
            {
              g_autofree char *when = swarm_format_timestamp (self->last_success_us,
                                                              g_get_real_time ());

              /* Translators: %s is a time, such as 14:05 or Nov 24, 14:05 */
              headline = g_strdup_printf (_("Offline — showing history from %s"), when);
            }
          else
            {
              headline = g_strdup (_("Offline — showing history"));
            }

          gtk_label_set_text (self->banner_label, headline);
          gtk_label_set_text (self->banner_detail_label, text);
          gtk_widget_set_visible (GTK_WIDGET (self->banner_detail_label), TRUE);
        }
      else
        {
          gtk_label_set_text (self->banner_label, text);
          gtk_widget_set_visible (GTK_WIDGET (self->banner_detail_label), FALSE);
        }

      /* AdwStatusPage takes markup; a server's message is plain text. */
      escaped = g_markup_escape_text (text, -1);
      adw_status_page_set_description (self->unreachable_page, escaped);
    }

  gtk_revealer_set_reveal_child (self->banner_revealer, message != NULL);
}

/* What needs the backend is insensitive while it cannot be reached, with
 * a tooltip that says why. */
static void
set_online (SwarmWindow *self,
            gboolean     online)
{
  GHashTableIter iter;
  gpointer details;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.deploy", online);
  gtk_widget_set_tooltip_text (self->deploy_button,
                               online ? _("Deploy a New Agent") : _("Not available offline"));
  swarm_agent_table_set_actions_enabled (self->agent_table, online);

  g_hash_table_iter_init (&iter, self->details);
  while (g_hash_table_iter_next (&iter, NULL, &details))
    swarm_agent_details_set_online (details, online);
}

static void
set_reachable (SwarmWindow *self,
               gboolean     reachable)
{
  self->reachable = reachable;
  set_online (self, reachable);
}

static void
toast (SwarmWindow *self,
       const char  *message)
{
  AdwToast *toast = adw_toast_new (message);

  adw_toast_set_timeout (toast, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
report_history_error (SwarmWindow *self,
                      const char  *message)
{
  /* Once per window: the dashboard works without a history. */
  if (self->history_reported)
    return;

  self->history_reported = TRUE;
  g_debug ("%s", message);
  toast (self, message);
}

/* The local daemon ---------------------------------------------------------------- */

#define REDISCOVER_AFTER_US (30 * G_USEC_PER_SEC)

static void
discovery_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SwarmWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  SwarmDiscoveryOutcome outcome;

  if (!swarm_discovery_run_finish (result, &outcome, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      self->discovering = FALSE;
      g_debug ("Discovery failed: %s", error->message);
      set_reachable (self, FALSE);
      set_banner (self, error->message);
      update_view (self);
      return;
    }

  self->discovering = FALSE;
  if (outcome == SWARM_DISCOVERY_STARTED)
    toast (self, _("Started swarmyardd on this computer"));

  refresh (self, TRUE);
}

/* Finds the daemon on this computer, starting it if allowed, then refreshes. */
static void
discover (SwarmWindow *self)
{
  g_autofree char *state_dir = NULL;
  g_autofree char *daemon = NULL;

  if (self->discovering)
    return;

  self->discovering = TRUE;
  self->last_discovery_us = g_get_monotonic_time ();
  state_dir = swarm_discovery_default_state_dir ();
  if (g_settings_get_boolean (self->settings, "spawn-local-daemon"))
    daemon = swarm_discovery_daemon_path ();

  swarm_discovery_run_async (self->client, state_dir, daemon, self->backend_cancellable, discovery_cb,
                             g_object_ref (self));
}

/* History ----------------------------------------------------------------------- */

static void
start_backend (SwarmWindow *self)
{
  if (self->local_default)
    discover (self);
  else
    refresh (self, FALSE);
}

/* The first request waits for the history (shown before it) and for the
 * token in the keyring (sent with it). */
static void
startup_step_done (SwarmWindow *self)
{
  g_assert (self->startup_pending > 0);

  if (--self->startup_pending == 0)
    start_backend (self);
}

static void
token_lookup_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SwarmWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  char *token = swarm_secrets_lookup_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_pointer (&self->keyring_error, g_free);
  if (error != NULL)
    {
      /* Not fatal: the daemon's token file or no token at all may do. */
      g_debug ("No token from the keyring: %s", error->message);
      self->keyring_error = g_strdup (error->message);
    }
  else if (token != NULL)
    {
      swarm_client_set_token (self->client, token);
      swarm_secret_free (token);
    }

  startup_step_done (self);
}

static void
on_history_write_failed_cb (SwarmWindow *self,
                            const char  *message)
{
  g_autofree char *text = g_strdup_printf (_("The history could not be saved: %s"), message);

  report_history_error (self, text);
}

static void
note_history_rows (SwarmWindow *self)
{
  GdkFrameClock *clock;

  if (!swarm_bench_enabled () || self->bench_painted)
    return;

  clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));
  self->bench_painted = TRUE;
  swarm_bench_print ("history-rows-applied-ms", swarm_bench_since_start_us () / 1000.0);
  if (clock != NULL)
    g_signal_connect (clock, "after-paint", G_CALLBACK (on_first_rows_painted_cb), self);
}

/* The history's rows are in the table: the first request waits for the
 * frame that shows them, or half a second at most.  Parsing a large list
 * in a worker would compete with that frame for the CPU and for memory. */
#define ROWS_PAINT_TIMEOUT_MS 500

static void
history_rows_shown (gpointer user_data)
{
  startup_step_done (user_data);
}

static void
history_prepared_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(SwarmWindow) self = user_data;
  g_autoptr(SwarmStoreUpdate) update = NULL;
  g_autoptr(GError) error = NULL;
  SwarmStoreDiff diff;

  update = swarm_agent_store_prepare_finish (SWARM_AGENT_STORE (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_assert_no_error (error);

  self->history_loading = FALSE;

  /* The agents as last seen, until the backend answers. */
  if (!self->loaded)
    {
      swarm_agent_table_begin_fill (self->agent_table);
      swarm_agent_store_apply_update (self->store, update, 0, &diff);
      swarm_agent_table_store_changed (self->agent_table, &diff);
      note_history_rows (self);
      store_changed (self);
      if (swarm_frame_wait_start (&self->rows_wait, GTK_WIDGET (self), ROWS_PAINT_TIMEOUT_MS,
                                  history_rows_shown, self))
        return;
    }
  else
    store_changed (self);

  startup_step_done (self);
}

static void
history_load_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SwarmWindow) self = user_data;
  g_autoptr(SwarmHistorySnapshot) snapshot = NULL;
  g_autoptr(GError) error = NULL;

  snapshot = swarm_history_load_finish (SWARM_HISTORY (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (snapshot != NULL && snapshot->agents->len > 0)
    swarm_bench_print ("history-loaded-ms", swarm_bench_since_start_us () / 1000.0);

  if (snapshot == NULL)
    {
      self->history_loading = FALSE;
      report_history_error (self, error->message);
      store_changed (self);
      startup_step_done (self);
      return;
    }

  g_list_store_splice (self->destroyed, 0,
                       g_list_model_get_n_items (G_LIST_MODEL (self->destroyed)),
                       snapshot->destroyed->pdata, snapshot->destroyed->len);
  if (self->last_success_us == 0)
    self->last_success_us = snapshot->last_success_us;

  if (snapshot->agents->len == 0)
    {
      self->history_loading = FALSE;
      store_changed (self);
      startup_step_done (self);
      return;
    }

  /* Fingerprints of 10,000 agents are worked out in a worker, as for a
   * list; the first request waits for it (a few tens of ms). */
  swarm_agent_store_prepare_async (self->store, snapshot->agents, self->backend_cancellable,
                                   history_prepared_cb, g_object_ref (self));
}

/* Refreshing --------------------------------------------------------------------- */

static void
on_first_paint_cb (GdkFrameClock *clock,
                   SwarmWindow   *self)
{
  g_signal_handlers_disconnect_by_func (clock, on_first_paint_cb, self);
  swarm_bench_print ("window-painted-ms", swarm_bench_since_start_us () / 1000.0);
}

/* For the benchmark: how long the main loop stays busy at a stretch in
 * the two seconds after the first rows, while the rest of them are built
 * (a 10 ms timer of high priority, and how late it fired at worst). */
typedef struct
{
  gint64 started_us;
  gint64 last_us;
  gint64 longest_us;
} StallWatch;

static gboolean
stall_watch_cb (gpointer user_data)
{
  StallWatch *watch = user_data;
  gint64 now = g_get_monotonic_time ();

  /* How late it fired, not counting the 10 ms it waits anyway. */
  watch->longest_us = MAX (watch->longest_us, now - watch->last_us - 10 * 1000);
  watch->last_us = now;
  if (now - watch->started_us < 2 * G_USEC_PER_SEC)
    return G_SOURCE_CONTINUE;

  swarm_bench_print ("after-first-rows-longest-stall-ms", watch->longest_us / 1000.0);
  return G_SOURCE_REMOVE;
}

static void
watch_stalls (void)
{
  StallWatch *watch = g_new0 (StallWatch, 1);

  watch->started_us = watch->last_us = g_get_monotonic_time ();
  g_timeout_add_full (G_PRIORITY_HIGH, 10, stall_watch_cb, watch, g_free);
}

static void
on_first_rows_painted_cb (GdkFrameClock *clock,
                          SwarmWindow   *self)
{
  g_signal_handlers_disconnect_by_func (clock, on_first_rows_painted_cb, self);
  swarm_bench_print ("first-rows-painted-ms", swarm_bench_since_start_us () / 1000.0);
  swarm_bench_print ("first-rows-rss-mib", swarm_bench_rss_kib () / 1024.0);
  swarm_bench_print ("first-rows-main-thread-cpu-ms", swarm_bench_thread_cpu_us () / 1000.0);
  if (swarm_bench_quit_after_first_rows ())
    g_application_quit (g_application_get_default ());
  else
    watch_stalls ();
}

/* Logs of agents that ended while the app ran, one request at a time. */
#define MAX_QUEUED_LOG_FETCHES 100

static void fetch_next_logs (SwarmWindow *self);

typedef struct
{
  SwarmWindow *self;   /* (owned) */
  char        *id;     /* (owned) */
} LogFetch;

static void
ended_logs_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  LogFetch *fetch = user_data;
  g_autoptr(SwarmWindow) self = fetch->self;
  g_autofree char *id = fetch->id;
  g_autoptr(SwarmLogPage) page = NULL;
  g_autoptr(GError) error = NULL;

  g_free (fetch);
  page = swarm_client_get_logs_finish (SWARM_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->fetching_logs = FALSE;
  if (page != NULL && self->history != NULL)
    swarm_history_record_logs (self->history, self->backend_key, id, page->entries);
  else if (page == NULL)
    g_debug ("Could not keep the logs of %s: %s", id, error->message);

  fetch_next_logs (self);
}

static void
fetch_next_logs (SwarmWindow *self)
{
  LogFetch *fetch;

  if (self->fetching_logs || g_queue_is_empty (&self->log_queue))
    return;

  fetch = g_new0 (LogFetch, 1);
  fetch->self = g_object_ref (self);
  fetch->id = g_queue_pop_head (&self->log_queue);
  self->fetching_logs = TRUE;
  swarm_client_get_logs_async (self->client, fetch->id, -1, 0, SWARM_HISTORY_MAX_LOGS,
                               self->backend_cancellable, ended_logs_cb, fetch);
}

static SwarmAgent *
find_destroyed (SwarmWindow *self,
                const char  *id,
                guint       *position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->destroyed));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SwarmAgent) agent = g_list_model_get_item (G_LIST_MODEL (self->destroyed), i);

      if (g_str_equal (swarm_agent_get_id (agent), id))
        {
          if (position != NULL)
            *position = i;
          return agent;   /* the list store keeps it */
        }
    }

  return NULL;
}

static void
add_destroyed (SwarmWindow *self,
               GPtrArray   *agents)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  for (guint i = 0; i < agents->len; i++)
    if (swarm_agent_get_destroyed_at (agents->pdata[i]) == NULL)
      swarm_agent_set_destroyed_at (agents->pdata[i], now);

  g_list_store_splice (self->destroyed, g_list_model_get_n_items (G_LIST_MODEL (self->destroyed)),
                       0, agents->pdata, agents->len);
}

/* After a list: the agents it no longer has are destroyed; the ones that
 * ended get their logs kept; an agent listed again is not destroyed. */
static void
take_store_news (SwarmWindow *self,
                 gboolean     added)
{
  g_autoptr(GPtrArray) gone = swarm_agent_store_take_gone (self->store);
  g_autoptr(GPtrArray) ended = swarm_agent_store_take_ended (self->store);

  if (added && g_list_model_get_n_items (G_LIST_MODEL (self->destroyed)) > 0)
    {
      guint i = g_list_model_get_n_items (G_LIST_MODEL (self->destroyed));

      while (i-- > 0)
        {
          g_autoptr(SwarmAgent) agent = g_list_model_get_item (G_LIST_MODEL (self->destroyed), i);

          if (swarm_agent_store_lookup (self->store, swarm_agent_get_id (agent)) != NULL)
            g_list_store_remove (self->destroyed, i);
        }
    }

  if (gone != NULL)
    add_destroyed (self, gone);

  for (guint i = 0; ended != NULL && self->history != NULL && i < ended->len; i++)
    if (g_queue_get_length (&self->log_queue) < MAX_QUEUED_LOG_FETCHES)
      g_queue_push_tail (&self->log_queue, g_strdup (swarm_agent_get_id (ended->pdata[i])));

  fetch_next_logs (self);
}

/* One refresh between its list and its apply: the history and the store
 * read the list at the same time, each in a worker; the store takes the
 * agents when both are done (after that they change on the main thread). */
typedef struct
{
  gatomicrefcount   ref;
  SwarmWindow      *self;          /* (owned) */
  GCancellable     *cancellable;   /* (owned) */
  SwarmStoreUpdate *update;        /* (owned) (nullable): once prepared */
  guint             pending;       /* workers still reading the list */
} RefreshStep;

/* Holds no reference to the list: the workers drop theirs when done, so
 * the last one frees the 10,000 agents there, not on the main thread. */
static RefreshStep *
refresh_step_new (SwarmWindow *self)
{
  RefreshStep *step = g_new0 (RefreshStep, 1);

  g_atomic_ref_count_init (&step->ref);
  step->self = g_object_ref (self);
  step->cancellable = g_object_ref (self->refresh_cancellable);
  return step;
}

static RefreshStep *
refresh_step_ref (RefreshStep *step)
{
  g_atomic_ref_count_inc (&step->ref);
  return step;
}

static void
refresh_step_unref (RefreshStep *step)
{
  if (!g_atomic_ref_count_dec (&step->ref))
    return;

  g_object_unref (step->self);
  g_object_unref (step->cancellable);
  g_clear_pointer (&step->update, swarm_store_update_free);
  g_free (step);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RefreshStep, refresh_step_unref)

static void
apply_refresh (RefreshStep *step)
{
  SwarmWindow *self = step->self;
  SwarmStoreDiff diff;
  gint64 cpu_start = swarm_bench_thread_cpu_us ();
  gint64 wall_start = g_get_monotonic_time ();

  /* A newer refresh owns the state now, or the window closed. */
  if (g_cancellable_is_cancelled (step->cancellable))
    return;

  g_clear_object (&self->refresh_cancellable);

  swarm_agent_table_begin_fill (self->agent_table);
  swarm_agent_store_apply_update (self->store, step->update, self->refresh_started_us, &diff);
  swarm_agent_table_store_changed (self->agent_table, &diff);
  take_store_news (self, diff.added > 0);

  if (!self->reachable)
    set_reachable (self, TRUE);
  self->loaded = TRUE;
  set_banner (self, NULL);
  store_changed (self);

  if (swarm_bench_enabled ())
    {
      swarm_bench_print ("refresh-apply-cpu-ms",
                         (swarm_bench_thread_cpu_us () - cpu_start) / 1000.0);
      swarm_bench_print ("refresh-apply-wall-ms", (g_get_monotonic_time () - wall_start) / 1000.0);
      /* All the main thread did for this refresh: start the request, take
       * the list, apply the changes.  Fetching and parsing ran in workers. */
      self->refresh_cpu_us += swarm_bench_thread_cpu_us () - cpu_start;
      swarm_bench_print ("refresh-main-thread-cpu-ms", self->refresh_cpu_us / 1000.0);
      swarm_bench_print ("refresh-changed-agents", diff.updated);

      if (!self->bench_painted && diff.added > 0)
        {
          GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));

          self->bench_painted = TRUE;
          swarm_bench_print ("first-list-applied-ms", swarm_bench_since_start_us () / 1000.0);
          if (clock != NULL)
            g_signal_connect (clock, "after-paint", G_CALLBACK (on_first_rows_painted_cb), self);
        }
    }
}

static void
refresh_step_done (RefreshStep *step)
{
  g_assert (step->pending > 0);

  if (--step->pending == 0 && step->update != NULL)
    apply_refresh (step);
}

static void
prepare_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(RefreshStep) step = user_data;
  g_autoptr(GError) error = NULL;

  step->update = swarm_agent_store_prepare_finish (SWARM_AGENT_STORE (object), result, &error);

  /* Cancelled: a newer refresh owns the state now, or the window closed. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_assert_no_error (error);
  refresh_step_done (step);
}

static void
recorded_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(RefreshStep) step = user_data;
  g_autoptr(GError) error = NULL;

  if (!swarm_history_record_list_finish (SWARM_HISTORY (object), result, &error))
    report_history_error (step->self, error->message);

  refresh_step_done (step);
}

static void
list_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(SwarmWindow) self = user_data;
  g_autoptr(GPtrArray) agents = NULL;
  g_autoptr(GError) error = NULL;
  gint64 cpu_start = swarm_bench_thread_cpu_us ();

  agents = swarm_client_list_agents_finish (SWARM_CLIENT (object), result, &error);
  if (!self->loaded)
    swarm_bench_print ("first-list-parsed-ms", swarm_bench_since_start_us () / 1000.0);

  /* Cancelled: a newer refresh owns the state now, or the window closed. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (agents == NULL)
    {
      g_clear_object (&self->refresh_cancellable);
      g_debug ("Refresh failed: %s", error->message);
      set_reachable (self, FALSE);
      set_banner (self, error->message);
      update_view (self);

      /* The local daemon went away (or lost its token): find it again. */
      if (self->local_default &&
          (g_error_matches (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_UNREACHABLE) ||
           g_error_matches (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_UNAUTHORIZED)) &&
          g_get_monotonic_time () - self->last_discovery_us > REDISCOVER_AFTER_US)
        discover (self);
      return;
    }

  self->last_success_us = g_get_real_time ();

  /* What changed is worked out in workers; the main thread applies it. */
  {
    g_autoptr(RefreshStep) step = refresh_step_new (self);

    step->pending = self->history != NULL ? 2 : 1;
    if (self->history != NULL)
      swarm_history_record_list_async (self->history, self->backend_key, agents,
                                       self->last_success_us, NULL, recorded_cb,
                                       refresh_step_ref (step));
    swarm_agent_store_prepare_async (self->store, agents, self->refresh_cancellable, prepare_cb,
                                     refresh_step_ref (step));
  }

  self->refresh_cpu_us += swarm_bench_thread_cpu_us () - cpu_start;
}

static void
refresh (SwarmWindow *self,
         gboolean     user_requested)
{
  /* The history is shown before any request is made. */
  if (self->discovering || self->history_loading)
    return;

  if (self->refresh_cancellable != NULL)
    {
      /* The periodic tick waits for the request in flight; the user does not. */
      if (!user_requested)
        return;

      g_cancellable_cancel (self->refresh_cancellable);
      g_clear_object (&self->refresh_cancellable);
    }

  self->refresh_cancellable = g_cancellable_new ();
  self->refresh_started_us = g_get_monotonic_time ();
  self->refresh_cpu_us = swarm_bench_thread_cpu_us ();
  swarm_client_list_agents_async (self->client, self->refresh_cancellable, list_cb,
                                  g_object_ref (self));
  self->refresh_cpu_us = swarm_bench_thread_cpu_us () - self->refresh_cpu_us;
}

static gboolean
refresh_tick_cb (gpointer user_data)
{
  refresh (SWARM_WINDOW (user_data), FALSE);
  return G_SOURCE_CONTINUE;
}

static void
restart_timer (SwarmWindow *self)
{
  guint interval = g_settings_get_uint (self->settings, "refresh-interval");

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  self->refresh_id = g_timeout_add_seconds (MAX (interval, 1u), refresh_tick_cb, self);
}

static void
on_refresh_interval_changed_cb (SwarmWindow *self)
{
  restart_timer (self);
}

/* Actions -------------------------------------------------------------------------- */

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  refresh (SWARM_WINDOW (widget), TRUE);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SwarmWindow *self = SWARM_WINDOW (widget);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "agents") == 0)
    gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
on_deployed_cb (SwarmWindow *self,
                SwarmAgent  *agent)
{
  g_autofree char *message = g_strdup_printf (_("Agent “%s” deployed"),
                                              swarm_agent_get_name (agent));

  swarm_agent_store_add (self->store, agent);
  self->loaded = TRUE;
  store_changed (self);
  toast (self, message);
}

static SwarmDeployDialog *
open_deploy_dialog (SwarmWindow *self,
                    GtkWindow   *parent,
                    SwarmAgent  *template)
{
  SwarmDeployDialog *dialog = swarm_deploy_dialog_new (parent, self->client);

  /* Environment names come along; their values are typed again. */
  if (template != NULL)
    swarm_deploy_dialog_prefill (dialog, template);
  g_signal_connect_object (dialog, "deployed", G_CALLBACK (on_deployed_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));

  return dialog;
}

static void
deploy_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SwarmWindow *self = SWARM_WINDOW (widget);

  open_deploy_dialog (self, GTK_WINDOW (self), NULL);
}

static void
on_run_again_cb (SwarmWindow       *self,
                 SwarmAgent        *agent,
                 SwarmAgentDetails *details)
{
  if (!self->reachable)
    return;

  open_deploy_dialog (self, GTK_WINDOW (details), agent);
}

static gboolean
is_value (gpointer key,
          gpointer value,
          gpointer user_data)
{
  return value == user_data;
}

static void
on_details_destroy_cb (GtkWidget   *details,
                       SwarmWindow *self)
{
  /* By value: the window's own dispose has already let its agent go. */
  g_hash_table_foreach_remove (self->details, is_value, details);
}

static void
view_agent_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  SwarmWindow *self = SWARM_WINDOW (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  SwarmAgent *agent = swarm_agent_store_lookup (self->store, id);
  SwarmAgentDetails *details;

  if (agent == NULL)
    agent = find_destroyed (self, id, NULL);
  if (agent == NULL)
    return;

  details = g_hash_table_lookup (self->details, id);
  if (details == NULL)
    {
      details = swarm_agent_details_new (GTK_WINDOW (self), self->client, self->history,
                                         self->backend_key, agent);
      swarm_agent_details_set_online (details, self->reachable);
      g_hash_table_insert (self->details, g_strdup (id), details);
      g_signal_connect_object (details, "destroy", G_CALLBACK (on_details_destroy_cb), self, 0);
      g_signal_connect_object (details, "run-again", G_CALLBACK (on_run_again_cb), self,
                               G_CONNECT_SWAPPED);
    }

  gtk_window_present (GTK_WINDOW (details));
}

static void
copy_sandbox_id_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  SwarmWindow *self = SWARM_WINDOW (widget);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget),
                          g_variant_get_string (parameter, NULL));
  toast (self, _("Sandbox ID copied"));
}

typedef struct
{
  SwarmWindow *self;   /* (owned) */
  char        *id;
  char        *name;
} AgentOp;

static void
agent_op_free (AgentOp *op)
{
  g_object_unref (op->self);
  g_free (op->id);
  g_free (op->name);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AgentOp, agent_op_free)

static void
agent_op_closure_free (gpointer  data,
                       GClosure *closure)
{
  agent_op_free (data);
}

static AgentOp *
agent_op_new (SwarmWindow *self,
              SwarmAgent  *agent)
{
  AgentOp *op = g_new0 (AgentOp, 1);

  op->self = g_object_ref (self);
  op->id = g_strdup (swarm_agent_get_id (agent));
  op->name = g_strdup (swarm_agent_get_name (agent));
  return op;
}

static AgentOp *
agent_op_copy (AgentOp *other)
{
  AgentOp *op = g_new0 (AgentOp, 1);

  op->self = g_object_ref (other->self);
  op->id = g_strdup (other->id);
  op->name = g_strdup (other->name);
  return op;
}

static void
terminate_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(AgentOp) op = user_data;
  g_autoptr(SwarmAgent) agent = NULL;
  g_autoptr(GError) error = NULL;

  if (!swarm_client_terminate_finish (SWARM_CLIENT (object), result, &agent, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        toast (op->self, error->message);
      return;
    }

  if (agent != NULL)
    {
      swarm_agent_store_update (op->self->store, agent);
      store_changed (op->self);
    }

  {
    g_autofree char *message = g_strdup_printf (_("Agent “%s” terminated"), op->name);
    toast (op->self, message);
  }

  refresh (op->self, TRUE);
}

static void
destroy_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(AgentOp) op = user_data;
  g_autoptr(GError) error = NULL;
  SwarmAgentDetails *details;

  if (!swarm_client_destroy_finish (SWARM_CLIENT (object), result, &error) &&
      !g_error_matches (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_NOT_FOUND))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        toast (op->self, error->message);
      return;
    }

  details = g_hash_table_lookup (op->self->details, op->id);
  if (details != NULL)
    gtk_window_destroy (GTK_WINDOW (details));

  /* The app destroyed it: the history keeps it, marked. */
  {
    SwarmAgent *agent = swarm_agent_store_lookup (op->self->store, op->id);

    if (agent != NULL)
      {
        g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_object_unref);

        g_ptr_array_add (gone, g_object_ref (agent));
        swarm_agent_store_remove (op->self->store, op->id);
        add_destroyed (op->self, gone);
      }

    if (op->self->history != NULL)
      swarm_history_mark_destroyed (op->self->history, op->self->backend_key, op->id,
                                    g_get_real_time ());
  }
  store_changed (op->self);

  {
    g_autofree char *message = g_strdup_printf (_("Agent “%s” destroyed"), op->name);
    toast (op->self, message);
  }
}

static void
on_confirm_response_cb (AdwMessageDialog *dialog,
                        const char       *response,
                        gpointer          user_data)
{
  AgentOp *op = user_data;
  SwarmWindow *self = op->self;

  if (g_str_equal (response, "terminate"))
    swarm_client_terminate_async (self->client, op->id, self->cancellable, terminate_cb,
                                  agent_op_copy (op));
  else if (g_str_equal (response, "destroy"))
    swarm_client_destroy_async (self->client, op->id, self->cancellable, destroy_cb,
                                agent_op_copy (op));
}

static void
confirm (SwarmWindow *self,
         const char  *id,
         gboolean     destroy)
{
  SwarmAgent *agent = swarm_agent_store_lookup (self->store, id);
  g_autofree char *heading = NULL;
  AdwMessageDialog *dialog;

  if (agent == NULL)
    return;

  if (destroy)
    {
      heading = g_strdup_printf (_("Destroy “%s”?"), swarm_agent_get_name (agent));
      dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), heading,
        _("The agent is stopped if it still runs, its sandbox is deleted and its record is removed. "
          "This cannot be undone.")));
      adw_message_dialog_add_responses (dialog,
                                        "cancel", _("_Cancel"),
                                        "destroy", _("_Destroy"),
                                        NULL);
      adw_message_dialog_set_response_appearance (dialog, "destroy", ADW_RESPONSE_DESTRUCTIVE);
    }
  else
    {
      heading = g_strdup_printf (_("Terminate “%s”?"), swarm_agent_get_name (agent));
      dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), heading,
        _("The agent stops now and is marked as failed. Its record and its sandbox are kept.")));
      adw_message_dialog_add_responses (dialog,
                                        "cancel", _("_Cancel"),
                                        "terminate", _("_Terminate"),
                                        NULL);
      adw_message_dialog_set_response_appearance (dialog, "terminate", ADW_RESPONSE_DESTRUCTIVE);
    }

  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_confirm_response_cb),
                         agent_op_new (self, agent), agent_op_closure_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
terminate_agent_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  confirm (SWARM_WINDOW (widget), g_variant_get_string (parameter, NULL), FALSE);
}

static void
destroy_agent_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  confirm (SWARM_WINDOW (widget), g_variant_get_string (parameter, NULL), TRUE);
}

static void
destroy_selected_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  SwarmWindow *self = SWARM_WINDOW (widget);
  SwarmAgent *agent = swarm_agent_table_get_selected (self->agent_table);

  if (agent != NULL)
    confirm (self, swarm_agent_get_id (agent), TRUE);
}

/* Export --------------------------------------------------------------------------- */

typedef struct
{
  GPtrArray         *agents;    /* (owned): copies, safe in a worker */
  SwarmExportFormat  format;
  char              *backend;   /* (owned) */
  GFile             *file;      /* (owned) */
} ExportJob;

static void
export_job_free (ExportJob *job)
{
  g_ptr_array_unref (job->agents);
  g_free (job->backend);
  g_object_unref (job->file);
  g_free (job);
}

static void
export_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ExportJob *job = task_data;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GBytes) bytes = swarm_export_agents (job->agents, job->format, job->backend, now);
  g_autoptr(GError) error = NULL;
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);

  if (!g_file_replace_contents (job->file, data, length, NULL, FALSE,
                                G_FILE_CREATE_REPLACE_DESTINATION, NULL, cancellable, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_int (task, job->agents->len);
}

/**
 * swarm_window_export_async:
 * @file: where to write
 *
 * Writes the rows the table shows, in its order, with their totals.
 */
void
swarm_window_export_async (SwarmWindow         *self,
                           GFile               *file,
                           SwarmExportFormat    format,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GListModel *visible;
  g_autoptr(GTask) task = NULL;
  ExportJob *job;
  guint n;

  g_return_if_fail (SWARM_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  visible = swarm_agent_table_get_visible_model (self->agent_table);
  n = g_list_model_get_n_items (visible);

  job = g_new0 (ExportJob, 1);
  job->agents = g_ptr_array_new_full (n, g_object_unref);
  job->format = format;
  job->backend = g_strdup (self->backend_key);
  job->file = g_object_ref (file);

  /* Copies: the table's agents change on the main thread meanwhile. */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SwarmAgent) agent = g_list_model_get_item (visible, i);

      g_ptr_array_add (job->agents, swarm_agent_dup (agent));
    }

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, swarm_window_export_async);
  g_task_set_task_data (task, job, (GDestroyNotify) export_job_free);
  g_task_run_in_thread (task, export_thread);
}

/**
 * swarm_window_export_finish:
 *
 * Returns: the number of agents written, or -1 with @error set
 */
gssize
swarm_window_export_finish (SwarmWindow   *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);

  return g_task_propagate_int (G_TASK (result), error);
}

static void
export_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  SwarmWindow *self = SWARM_WINDOW (object);
  g_autoptr(GFile) file = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  g_autofree char *name = g_file_get_basename (file);
  gssize n = swarm_window_export_finish (self, result, &error);

  if (n < 0)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = g_strdup_printf (_("Could not export to “%s”: %s"), name, error->message);
    }
  else
    {
      message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                              "Exported %zd agent to “%s”",
                                              "Exported %zd agents to “%s”", n),
                                 n, name);
    }

  toast (self, message);
}

static void
on_export_response_cb (GtkNativeDialog *native,
                        int              response,
                        SwarmWindow     *self)
{
  SwarmExportFormat format = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (native), "format"));

  if (response == GTK_RESPONSE_ACCEPT)
    {
      GFile *file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));

      if (file != NULL)
        swarm_window_export_async (self, file, format, self->cancellable, export_done_cb, file);
    }

  g_object_unref (native);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SwarmWindow *self = SWARM_WINDOW (widget);
  gboolean csv = g_str_equal (g_variant_get_string (parameter, NULL), "csv");
  SwarmExportFormat format = csv ? SWARM_EXPORT_CSV : SWARM_EXPORT_JSON;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *day = g_date_time_format (now, "%Y-%m-%d");
  g_autofree char *name = g_strdup_printf ("swarmyard-agents-%s.%s", day,
                                           swarm_export_format_extension (format));
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  GtkFileChooserNative *native;

  native = gtk_file_chooser_native_new (csv ? _("Export as CSV") : _("Export as JSON"),
                                        GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), name);
  gtk_file_filter_set_name (filter, csv ? _("CSV files") : _("JSON files"));
  gtk_file_filter_add_mime_type (filter, csv ? "text/csv" : "application/json");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
  g_object_set_data (G_OBJECT (native), "format", GINT_TO_POINTER (format));
  g_signal_connect_object (native, "response", G_CALLBACK (on_export_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/* Search and filter ------------------------------------------------------------- */

static const char * const status_filter_names[] = { "all", "pending", "running", "completed", "failed" };

static void
on_search_changed_cb (SwarmWindow *self)
{
  swarm_agent_table_set_search (self->agent_table,
                                gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
  update_view (self);
}

static void
on_stop_search_cb (SwarmWindow *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
}

static void
on_status_selected_cb (SwarmWindow *self)
{
  guint selected = gtk_drop_down_get_selected (self->status_dropdown);

  if (self->settings == NULL)
    return;

  if (selected >= G_N_ELEMENTS (status_filter_names))
    selected = 0;

  swarm_agent_table_set_status_filter (self->agent_table, (int) selected - 1);
  g_settings_set_string (self->settings, "status-filter", status_filter_names[selected]);
  update_view (self);
}

static void
on_visible_items_changed_cb (SwarmWindow *self)
{
  update_view (self);
}

static void
on_show_history_changed_cb (SwarmWindow *self)
{
  swarm_agent_table_set_show_history (self->agent_table,
                                      g_settings_get_boolean (self->settings, "show-history"));
  update_view (self);
}

/* Object --------------------------------------------------------------------------- */

static void
save_state (SwarmWindow *self)
{
  g_autofree char *column = NULL;
  gboolean descending = FALSE;
  int width, height;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));

  if (swarm_agent_table_get_sort (self->agent_table, &column, &descending))
    {
      g_settings_set_string (self->settings, "sort-column", column);
      g_settings_set_boolean (self->settings, "sort-descending", descending);
    }
}

static void
restore_state (SwarmWindow *self)
{
  g_autofree char *status = g_settings_get_string (self->settings, "status-filter");
  g_autofree char *column = g_settings_get_string (self->settings, "sort-column");

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  for (guint i = 0; i < G_N_ELEMENTS (status_filter_names); i++)
    if (g_str_equal (status, status_filter_names[i]))
      gtk_drop_down_set_selected (self->status_dropdown, i);

  /* GTK 4.8 cannot report the sort column, so nothing was saved there. */
  if (*column != '\0')
    swarm_agent_table_set_sort (self->agent_table, column,
                                g_settings_get_boolean (self->settings, "sort-descending"));
}

static gboolean
swarm_window_close_request (GtkWindow *window)
{
  SwarmWindow *self = SWARM_WINDOW (window);

  save_state (self);
  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->backend_cancellable);
  g_cancellable_cancel (self->refresh_cancellable);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_clear_handle_id (&self->spinner_timeout_id, g_source_remove);
  /* Or its timeout would start a request for a closed window. */
  swarm_frame_wait_cancel (&self->rows_wait);

  return GTK_WINDOW_CLASS (swarm_window_parent_class)->close_request (window);
}

static void
swarm_window_dispose (GObject *object)
{
  SwarmWindow *self = SWARM_WINDOW (object);

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  swarm_frame_wait_cancel (&self->rows_wait);
  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->refresh_cancellable);
  g_cancellable_cancel (self->backend_cancellable);
  g_clear_object (&self->refresh_cancellable);
  g_clear_object (&self->backend_cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->keyring_error, g_free);
  g_clear_pointer (&self->details, g_hash_table_unref);

  gtk_widget_dispose_template (GTK_WIDGET (self), SWARM_TYPE_WINDOW);

  g_clear_object (&self->store);
  /* After the store: update_view() adds no timeout without it. */
  g_clear_handle_id (&self->spinner_timeout_id, g_source_remove);
  g_clear_object (&self->destroyed);
  g_clear_object (&self->client);
  g_clear_object (&self->settings);
  g_queue_clear_full (&self->log_queue, g_free);
  g_clear_pointer (&self->backend_key, g_free);
  /* Last: its dispose waits for the writes still queued. */
  g_clear_object (&self->history);

  G_OBJECT_CLASS (swarm_window_parent_class)->dispose (object);
}

static void
swarm_window_realize (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (swarm_window_parent_class)->realize (widget);

  if (swarm_bench_enabled ())
    g_signal_connect (gtk_widget_get_frame_clock (widget), "after-paint",
                      G_CALLBACK (on_first_paint_cb), widget);
}

static void
swarm_window_class_init (SwarmWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = swarm_window_dispose;
  widget_class->realize = swarm_window_realize;
  window_class->close_request = swarm_window_close_request;

  g_type_ensure (SWARM_TYPE_AGENT_TABLE);
  g_type_ensure (SWARM_TYPE_METRIC_CARD);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/swarm-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SwarmWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SwarmWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, SwarmWindow, banner_revealer);
  gtk_widget_class_bind_template_child (widget_class, SwarmWindow, banner_label);
  gtk_widget_class_bind_template_child (widget_class, SwarmWindow, banner_detail_label);
  gtk_widget_class_bind_template_child (widget_class, SwarmWindow, deploy_button);
  gtk_widget_class_bind_template_child (widget_class, SwarmWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, SwarmWindow, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, SwarmWindow, unreachable_page);
  gtk_widget_class_bind_template_child (widget_class, SwarmWindow, sandboxes_card);
  gtk_widget_class_bind_template_child (widget_class, SwarmWindow, active_card);
  gtk_widget_class_bind_template_child (widget_class, SwarmWindow, tokens_card);
  gtk_widget_class_bind_template_child (widget_class, SwarmWindow, cost_card);
  gtk_widget_class_bind_template_child (widget_class, SwarmWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, SwarmWindow, status_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SwarmWindow, history_button);
  gtk_widget_class_bind_template_child (widget_class, SwarmWindow, table_stack);
  gtk_widget_class_bind_template_child (widget_class, SwarmWindow, agent_table);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_status_selected_cb);

  gtk_widget_class_install_action (widget_class, "win.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.deploy", NULL, deploy_action);
  gtk_widget_class_install_action (widget_class, "win.view-agent", "s", view_agent_action);
  gtk_widget_class_install_action (widget_class, "win.terminate-agent", "s",
                                   terminate_agent_action);
  gtk_widget_class_install_action (widget_class, "win.destroy-agent", "s", destroy_agent_action);
  gtk_widget_class_install_action (widget_class, "win.destroy-selected", NULL,
                                   destroy_selected_action);
  gtk_widget_class_install_action (widget_class, "win.copy-sandbox-id", "s",
                                   copy_sandbox_id_action);
  gtk_widget_class_install_action (widget_class, "win.export", "s", export_action);
}

static void
swarm_window_init (SwarmWindow *self)
{
  GtkEventController *shortcuts;

  gtk_widget_init_template (GTK_WIDGET (self));

  if (g_strcmp0 (PROFILE, "development") == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");

  self->settings = g_settings_new (BASE_APP_ID);
  self->cancellable = g_cancellable_new ();
  self->store = swarm_agent_store_new ();
  self->destroyed = g_list_store_new (SWARM_TYPE_AGENT);
  self->details = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->reachable = TRUE;

  swarm_agent_table_set_store (self->agent_table, self->store);
  swarm_agent_table_set_history (self->agent_table, G_LIST_MODEL (self->destroyed));
  swarm_agent_table_set_show_history (self->agent_table,
                                      g_settings_get_boolean (self->settings, "show-history"));
  {
    g_autoptr(GAction) show_history = g_settings_create_action (self->settings, "show-history");

    g_action_map_add_action (G_ACTION_MAP (self), show_history);
  }
  g_signal_connect_object (swarm_agent_table_get_visible_model (self->agent_table), "items-changed",
                           G_CALLBACK (on_visible_items_changed_cb), self, G_CONNECT_SWAPPED);

  /* Delete destroys the selected agent, but only while the table has the
   * focus, so it never steals the key from a text field. */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Delete, 0),
                                                          gtk_named_action_new ("win.destroy-selected")));
  gtk_widget_add_controller (GTK_WIDGET (swarm_agent_table_get_column_view (self->agent_table)), shortcuts);

  g_signal_connect_object (self->settings, "changed::refresh-interval",
                           G_CALLBACK (on_refresh_interval_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::show-history",
                           G_CALLBACK (on_show_history_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::backend-url",
                           G_CALLBACK (on_backend_url_changed_cb), self, G_CONNECT_SWAPPED);

  restore_state (self);
  store_changed (self);
}

/* Shows @url's agents: its history at once, then what it answers.  What
 * belonged to the previous backend is dropped, never marked destroyed. */
static void
connect_backend (SwarmWindow *self,
                 const char  *url)
{
  const char *token = g_getenv ("SWARMYARD_BACKEND_TOKEN");
  g_autofree char *key = NULL;

  g_cancellable_cancel (self->backend_cancellable);
  g_clear_object (&self->backend_cancellable);
  self->backend_cancellable = g_cancellable_new ();
  swarm_frame_wait_cancel (&self->rows_wait);
  if (self->refresh_cancellable != NULL)
    {
      g_cancellable_cancel (self->refresh_cancellable);
      g_clear_object (&self->refresh_cancellable);
    }
  self->discovering = FALSE;
  self->fetching_logs = FALSE;
  g_queue_clear_full (&self->log_queue, g_free);

  /* Details windows show agents of the previous backend. */
  {
    g_autoptr(GList) windows = g_hash_table_get_values (self->details);

    for (GList *l = windows; l != NULL; l = l->next)
      gtk_window_destroy (l->data);
  }

  swarm_agent_store_clear (self->store);
  g_list_store_remove_all (self->destroyed);
  self->loaded = FALSE;
  self->last_success_us = 0;
  set_banner (self, NULL);
  set_reachable (self, TRUE);

  swarm_client_set_base_url (self->client, url);
  swarm_client_set_token (self->client, token);

  self->local_default = swarm_discovery_is_local_default (url);
  adw_window_title_set_subtitle (self->window_title,
                                 self->local_default ? _("This computer")
                                                     : swarm_client_get_base_url (self->client));

  key = swarm_normalize_url (swarm_client_get_base_url (self->client), NULL);
  g_free (self->backend_key);
  self->backend_key = key != NULL ? g_steal_pointer (&key)
                                  : g_strdup (swarm_client_get_base_url (self->client));

  /* A self-signed certificate the user accepted in Preferences. */
  {
    g_autoptr(GVariant) pins = g_settings_get_value (self->settings, "pinned-certificates");

    swarm_client_set_pinned_certificate (self->client,
                                         swarm_settings_lookup_pin (pins, self->backend_key));
  }

  /* The history first, and the token from the keyring; then the backend.
   * A token in the environment wins over the keyring's. */
  self->startup_pending = token == NULL ? 2 : 1;
  self->history_loading = TRUE;
  swarm_history_load_async (self->history, self->backend_key, self->backend_cancellable,
                            history_load_cb, g_object_ref (self));
  if (token == NULL)
    swarm_secrets_lookup_async (SWARM_SECRET_BACKEND_TOKEN, self->backend_key, 3000,
                                self->backend_cancellable, token_lookup_cb, g_object_ref (self));

  store_changed (self);
}

static void
on_backend_url_changed_cb (SwarmWindow *self)
{
  g_autofree char *url = g_settings_get_string (self->settings, "backend-url");

  connect_backend (self, url);
}

/**
 * swarm_window_new:
 * @backend_url: the backend to show, already resolved from the command
 *   line and settings
 */
SwarmWindow *
swarm_window_new (GtkApplication *application,
                  const char     *backend_url)
{
  SwarmWindow *self;
  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (backend_url != NULL, NULL);

  self = g_object_new (SWARM_TYPE_WINDOW, "application", application, NULL);
  self->client = swarm_client_new (backend_url);

  /* One history for every backend; each backend's rows apart. */
  {
    g_autofree char *path = swarm_history_default_path ();

    self->history = swarm_history_new (path, g_settings_get_uint (self->settings,
                                                                  "history-retention-days"));
    g_signal_connect_object (self->history, "write-failed",
                             G_CALLBACK (on_history_write_failed_cb), self, G_CONNECT_SWAPPED);
  }

  connect_backend (self, backend_url);
  store_changed (self);
  restart_timer (self);

  return self;
}

SwarmClient *
swarm_window_get_client (SwarmWindow *self)
{
  g_return_val_if_fail (SWARM_IS_WINDOW (self), NULL);

  return self->client;
}

/**
 * swarm_window_get_history:
 *
 * Returns: (transfer none): the window's history
 */
SwarmHistory *
swarm_window_get_history (SwarmWindow *self)
{
  g_return_val_if_fail (SWARM_IS_WINDOW (self), NULL);

  return self->history;
}

/**
 * swarm_window_get_destroyed:
 *
 * Returns: (transfer none): the destroyed agents the history keeps
 */
GListModel *
swarm_window_get_destroyed (SwarmWindow *self)
{
  g_return_val_if_fail (SWARM_IS_WINDOW (self), NULL);

  return G_LIST_MODEL (self->destroyed);
}

SwarmAgentStore *
swarm_window_get_store (SwarmWindow *self)
{
  g_return_val_if_fail (SWARM_IS_WINDOW (self), NULL);

  return self->store;
}

/**
 * swarm_window_reconnect:
 *
 * Connects to the backend again, asking the keyring for its token anew:
 * after the token was changed in Preferences.
 */
void
swarm_window_reconnect (SwarmWindow *self)
{
  g_autofree char *url = NULL;

  g_return_if_fail (SWARM_IS_WINDOW (self));

  url = g_strdup (swarm_client_get_base_url (self->client));
  connect_backend (self, url);
}

/**
 * swarm_window_refresh:
 *
 * Refreshes now, as F5 does.
 */
void
swarm_window_refresh (SwarmWindow *self)
{
  g_return_if_fail (SWARM_IS_WINDOW (self));

  refresh (self, TRUE);
}
