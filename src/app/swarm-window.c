/* swarm-window.c — the dashboard
 *
 * Refreshes the agent list every `refresh-interval` seconds on the main
 * loop.  A tick is skipped while a request is in flight; F5 cancels it and
 * starts anew.  Each list is applied to one SwarmAgentStore in place, so
 * selection and scroll position survive.  When the backend cannot be
 * reached the table keeps the last data and a banner says so.
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
  GtkStack             *main_stack;
  GtkSpinner           *loading_spinner;
  AdwStatusPage        *unreachable_page;
  SwarmMetricCard      *sandboxes_card;
  SwarmMetricCard      *active_card;
  SwarmMetricCard      *tokens_card;
  SwarmMetricCard      *cost_card;
  GtkSearchEntry       *search_entry;
  GtkDropDown          *status_dropdown;
  GtkStack             *table_stack;
  SwarmAgentTable      *agent_table;

  GSettings            *settings;             /* (owned) */
  SwarmClient          *client;               /* (owned) */
  SwarmAgentStore      *store;                /* (owned) */
  GCancellable         *refresh_cancellable;  /* (owned) (nullable): the list in flight */
  GCancellable         *cancellable;          /* (owned): everything else */
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

static void refresh (SwarmWindow *self,
                     gboolean     user_requested);

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

static void
update_view (SwarmWindow *self)
{
  guint n_total, n_shown;
  const char *page;

  /* The template's widgets notify while the window is being built. */
  if (self->store == NULL || self->settings == NULL)
    return;

  n_total = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  n_shown = g_list_model_get_n_items (swarm_agent_table_get_visible_model (self->agent_table));

  if (n_total > 0)
    page = "agents";
  else if (!self->loaded && self->reachable)
    page = "loading";
  else if (!self->reachable)
    page = "unreachable";
  else
    page = "empty";

  gtk_stack_set_visible_child_name (self->main_stack, page);
  gtk_spinner_set_spinning (self->loading_spinner, g_str_equal (page, "loading"));
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
      guint interval = g_settings_get_uint (self->settings, "refresh-interval");

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

      gtk_label_set_text (self->banner_label, text);

      /* AdwStatusPage takes markup; a server's message is plain text. */
      {
        g_autofree char *escaped = g_markup_escape_text (text, -1);
        adw_status_page_set_description (self->unreachable_page, escaped);
      }
    }

  gtk_revealer_set_reveal_child (self->banner_revealer, message != NULL);
}

static void
toast (SwarmWindow *self,
       const char  *message)
{
  AdwToast *toast = adw_toast_new (message);

  adw_toast_set_timeout (toast, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
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
      self->reachable = FALSE;
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

  swarm_discovery_run_async (self->client, state_dir, daemon, self->cancellable, discovery_cb,
                             g_object_ref (self));
}

static gboolean
is_local_default (const char *url)
{
  g_autofree char *normalized = swarm_normalize_url (url, NULL);

  return g_strcmp0 (normalized, "http://127.0.0.1:8001") == 0 ||
         g_strcmp0 (normalized, "http://localhost:8001") == 0;
}

/* Refreshing --------------------------------------------------------------------- */

static void
on_first_paint_cb (GdkFrameClock *clock,
                   SwarmWindow   *self)
{
  g_signal_handlers_disconnect_by_func (clock, on_first_paint_cb, self);
  swarm_bench_print ("window-painted-ms", swarm_bench_since_start_us () / 1000.0);
}

static void
on_first_rows_painted_cb (GdkFrameClock *clock,
                          SwarmWindow   *self)
{
  g_signal_handlers_disconnect_by_func (clock, on_first_rows_painted_cb, self);
  swarm_bench_print ("first-rows-painted-ms", swarm_bench_since_start_us () / 1000.0);
  swarm_bench_print ("first-rows-rss-mib", swarm_bench_rss_kib () / 1024.0);
}

static void
prepare_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(SwarmWindow) self = user_data;
  g_autoptr(SwarmStoreUpdate) update = NULL;
  g_autoptr(GError) error = NULL;
  SwarmStoreDiff diff;
  gint64 cpu_start = swarm_bench_thread_cpu_us ();
  gint64 wall_start = g_get_monotonic_time ();

  update = swarm_agent_store_prepare_finish (SWARM_AGENT_STORE (object), result, &error);

  /* Cancelled: a newer refresh owns the state now, or the window closed. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_object (&self->refresh_cancellable);
  g_assert_no_error (error);

  swarm_agent_store_apply_update (self->store, update, self->refresh_started_us, &diff);
  swarm_agent_table_store_changed (self->agent_table, &diff);

  self->reachable = TRUE;
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
      self->reachable = FALSE;
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

  /* What changed is worked out in a worker; the main thread applies it. */
  swarm_agent_store_prepare_async (self->store, agents, self->refresh_cancellable, prepare_cb,
                                   g_object_ref (self));
  self->refresh_cpu_us += swarm_bench_thread_cpu_us () - cpu_start;
}

static void
refresh (SwarmWindow *self,
         gboolean     user_requested)
{
  if (self->discovering)
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

static void
deploy_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SwarmWindow *self = SWARM_WINDOW (widget);
  SwarmDeployDialog *dialog = swarm_deploy_dialog_new (GTK_WINDOW (self), self->client);

  g_signal_connect_object (dialog, "deployed", G_CALLBACK (on_deployed_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_details_destroy_cb (GtkWidget   *details,
                       SwarmWindow *self)
{
  SwarmAgent *agent = swarm_agent_details_get_agent (SWARM_AGENT_DETAILS (details));

  if (agent != NULL)
    g_hash_table_remove (self->details, swarm_agent_get_id (agent));
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
    return;

  details = g_hash_table_lookup (self->details, id);
  if (details == NULL)
    {
      details = swarm_agent_details_new (GTK_WINDOW (self), self->client, agent);
      g_hash_table_insert (self->details, g_strdup (id), details);
      g_signal_connect_object (details, "destroy", G_CALLBACK (on_details_destroy_cb), self, 0);
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

  swarm_agent_store_remove (op->self->store, op->id);
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
  g_cancellable_cancel (self->refresh_cancellable);
  g_clear_handle_id (&self->refresh_id, g_source_remove);

  return GTK_WINDOW_CLASS (swarm_window_parent_class)->close_request (window);
}

static void
swarm_window_dispose (GObject *object)
{
  SwarmWindow *self = SWARM_WINDOW (object);

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->refresh_cancellable);
  g_clear_object (&self->refresh_cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->details, g_hash_table_unref);

  gtk_widget_dispose_template (GTK_WIDGET (self), SWARM_TYPE_WINDOW);

  g_clear_object (&self->store);
  g_clear_object (&self->client);
  g_clear_object (&self->settings);

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
  gtk_widget_class_bind_template_child (widget_class, SwarmWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, SwarmWindow, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, SwarmWindow, unreachable_page);
  gtk_widget_class_bind_template_child (widget_class, SwarmWindow, sandboxes_card);
  gtk_widget_class_bind_template_child (widget_class, SwarmWindow, active_card);
  gtk_widget_class_bind_template_child (widget_class, SwarmWindow, tokens_card);
  gtk_widget_class_bind_template_child (widget_class, SwarmWindow, cost_card);
  gtk_widget_class_bind_template_child (widget_class, SwarmWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, SwarmWindow, status_dropdown);
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
  self->details = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->reachable = TRUE;

  swarm_agent_table_set_store (self->agent_table, self->store);
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

  restore_state (self);
  store_changed (self);
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
  const char *token = g_getenv ("SWARMYARD_BACKEND_TOKEN");

  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (backend_url != NULL, NULL);

  self = g_object_new (SWARM_TYPE_WINDOW, "application", application, NULL);
  self->client = swarm_client_new (backend_url);
  if (token != NULL)
    swarm_client_set_token (self->client, token);

  self->local_default = is_local_default (backend_url);
  adw_window_title_set_subtitle (self->window_title,
                                 self->local_default ? _("This computer") : swarm_client_get_base_url (self->client));

  if (self->local_default)
    discover (self);
  else
    refresh (self, FALSE);
  restart_timer (self);

  return self;
}

SwarmClient *
swarm_window_get_client (SwarmWindow *self)
{
  g_return_val_if_fail (SWARM_IS_WINDOW (self), NULL);

  return self->client;
}

SwarmAgentStore *
swarm_window_get_store (SwarmWindow *self)
{
  g_return_val_if_fail (SWARM_IS_WINDOW (self), NULL);

  return self->store;
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
