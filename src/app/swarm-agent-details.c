/* swarm-agent-details.c — everything about one agent, with live logs
 *
 * Shows the table's own SwarmAgent, so every refresh updates it in place.
 * The list form cuts `result` to 1 KiB, so the full agent is fetched once
 * on opening (and again when a cut result changes).  Logs are read with
 * `?tail=200` first, then followed with `?after=SEQ` every two seconds
 * while the window is open; a backend without the logs endpoint (the
 * seed's) gets “No logs available”.
 *
 * With a history, the logs kept there are shown at once and whatever is
 * fetched is kept; a destroyed agent (or a backend that cannot be
 * reached) shows only what was kept.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarm-agent-details"

#include "config.h"

#include <glib/gi18n.h>

#include "swarm-agent-details.h"

#define LOG_POLL_MS        2000
#define LOG_FIRST_TAIL     200
#define LOG_MAX_LINES      5000

struct _SwarmAgentDetails
{
  AdwWindow            parent_instance;

  /* template children */
  AdwToastOverlay     *toast_overlay;
  AdwWindowTitle      *window_title;
  AdwPreferencesGroup *overview_group;
  GtkLabel            *task_label;
  AdwPreferencesGroup *error_group;
  GtkLabel            *error_label;
  AdwPreferencesGroup *result_group;
  GtkLabel            *result_label;
  AdwPreferencesGroup *config_group;
  AdwPreferencesGroup *env_group;
  AdwPreferencesGroup *times_group;
  GtkStack            *logs_stack;
  GtkScrolledWindow   *logs_scroller;
  GtkTextView         *logs_view;
  GtkLabel            *logs_status;
  GtkButton           *run_again_button;

  /* value labels of the info rows */
  GtkLabel            *status_value;
  GtkLabel            *type_value;
  GtkLabel            *template_value;
  GtkLabel            *sandbox_value;
  GtkLabel            *driver_value;
  GtkLabel            *model_value;
  GtkLabel            *steps_value;
  GtkLabel            *tokens_value;
  GtkLabel            *cost_value;
  GtkLabel            *time_value;
  GtkLabel            *timeout_value;
  GtkLabel            *config_model_value;
  GtkLabel            *max_steps_value;
  GtkLabel            *max_cost_value;
  GtkLabel            *capabilities_value;
  GtkLabel            *created_value;
  GtkLabel            *started_value;
  GtkLabel            *completed_value;
  GtkLabel            *updated_value;
  GtkLabel            *destroyed_value;
  GPtrArray           *env_rows;       /* (element-type GtkWidget) (unowned) */

  SwarmClient         *client;         /* (owned) */
  SwarmHistory        *history;        /* (owned) (nullable) */
  char                *backend;        /* (owned) (nullable): the history's key */
  SwarmAgent          *agent;          /* (owned): the table's live object */
  char                *full_result;    /* (owned) (nullable): from GET */
  GCancellable        *cancellable;    /* (owned) */
  gboolean             fetching_agent;
  gboolean             fetching_logs;
  gboolean             logs_done;      /* no endpoint, or the agent is gone */
  gint64               log_next;       /* -1 before the first page */
  guint                log_lines;
  guint                poll_id;
  guint                poll_interval_ms;
};

G_DEFINE_FINAL_TYPE (SwarmAgentDetails, swarm_agent_details, ADW_TYPE_WINDOW)

enum {
  SIGNAL_RUN_AGAIN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void fetch_full_agent (SwarmAgentDetails *self);
static void restart_polling  (SwarmAgentDetails *self);
static gboolean poll_logs_cb (gpointer user_data);

/* Rows -------------------------------------------------------------------- */

static GtkLabel *
add_info_row (AdwPreferencesGroup *group,
              const char          *title)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *value = gtk_label_new (NULL);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_label_set_selectable (GTK_LABEL (value), TRUE);
  gtk_label_set_xalign (GTK_LABEL (value), 1.0);
  gtk_label_set_wrap (GTK_LABEL (value), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (value), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_justify (GTK_LABEL (value), GTK_JUSTIFY_RIGHT);
  gtk_widget_set_hexpand (value, TRUE);
  gtk_widget_add_css_class (value, "dim-label");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), value);
  adw_preferences_group_add (group, row);

  return GTK_LABEL (value);
}

static void
set_value (GtkLabel   *label,
           const char *value)
{
  gtk_label_set_text (label, value != NULL && *value != '\0' ? value : "—");
}

static void
set_value_take (GtkLabel *label,
                char     *value)
{
  set_value (label, value);
  g_free (value);
}

static char *
format_time (GDateTime *time)
{
  g_autoptr(GDateTime) local = NULL;

  if (time == NULL)
    return NULL;

  local = g_date_time_to_local (time);
  return g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
}

static void
on_reveal_toggled_cb (GtkToggleButton *button,
                      GtkLabel        *label)
{
  const char *value = g_object_get_data (G_OBJECT (label), "secret");
  gboolean shown = gtk_toggle_button_get_active (button);

  gtk_label_set_text (label, shown ? value : "••••••••");
  gtk_button_set_icon_name (GTK_BUTTON (button),
                            shown ? "view-conceal-symbolic" : "view-reveal-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (button), shown ? _("Hide Value") : _("Show Value"));
}

static void
rebuild_environment (SwarmAgentDetails *self)
{
  const char * const *keys = swarm_agent_get_environment_keys (self->agent);
  GHashTable *values = swarm_agent_get_environment (self->agent);

  for (guint i = 0; i < self->env_rows->len; i++)
    adw_preferences_group_remove (self->env_group, g_ptr_array_index (self->env_rows, i));
  g_ptr_array_set_size (self->env_rows, 0);

  if (keys == NULL || keys[0] == NULL)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No environment variables"));
      gtk_widget_add_css_class (row, "dim-label");
      adw_preferences_group_add (self->env_group, row);
      g_ptr_array_add (self->env_rows, row);
      return;
    }

  for (guint i = 0; keys[i] != NULL; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      const char *value = values != NULL ? g_hash_table_lookup (values, keys[i]) : NULL;

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), keys[i]);
      gtk_widget_add_css_class (row, "monospace");

      if (value != NULL)
        {
          GtkWidget *label = gtk_label_new ("••••••••");
          GtkWidget *toggle = gtk_toggle_button_new ();
          g_autofree char *accessible = g_strdup_printf (_("Show the value of %s"), keys[i]);

          g_object_set_data_full (G_OBJECT (label), "secret", g_strdup (value), swarm_secret_free);
          gtk_label_set_selectable (GTK_LABEL (label), TRUE);
          gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);

          gtk_button_set_icon_name (GTK_BUTTON (toggle), "view-reveal-symbolic");
          gtk_widget_set_tooltip_text (toggle, _("Show Value"));
          gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
          gtk_widget_add_css_class (toggle, "flat");
          gtk_accessible_update_property (GTK_ACCESSIBLE (toggle),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                          -1);
          g_signal_connect (toggle, "toggled", G_CALLBACK (on_reveal_toggled_cb), label);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
        }
      else
        {
          adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Value kept by the backend"));
        }

      adw_preferences_group_add (self->env_group, row);
      g_ptr_array_add (self->env_rows, row);
    }
}

static void
update_result (SwarmAgentDetails *self)
{
  const char *result = swarm_agent_get_result (self->agent);

  /* The full text from GET wins over a list's cut copy. */
  if (self->full_result != NULL &&
      (result == NULL || swarm_agent_get_result_truncated (self->agent)))
    result = self->full_result;

  gtk_widget_set_visible (GTK_WIDGET (self->result_group), result != NULL && *result != '\0');
  gtk_label_set_text (self->result_label, result != NULL ? result : "");
}

static void
update_all (SwarmAgentDetails *self)
{
  SwarmAgent *agent = self->agent;
  const char * const *caps = swarm_agent_get_capabilities (agent);
  const char *error = swarm_agent_get_error_message (agent);
  SwarmAgentStatus status = swarm_agent_get_status (agent);
  static const char * const classes[] = { "pending", "running", "completed", "failed" };

  GDateTime *destroyed = swarm_agent_get_destroyed_at (agent);

  adw_window_title_set_title (self->window_title, swarm_agent_get_name (agent));
  adw_window_title_set_subtitle (self->window_title,
                                 destroyed != NULL ? C_("agent status", "Destroyed")
                                                   : swarm_agent_status_get_label (status));
  gtk_window_set_title (GTK_WINDOW (self), swarm_agent_get_name (agent));

  set_value (self->status_value, swarm_agent_status_get_label (status));
  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_value), classes[i]);
  gtk_widget_add_css_class (GTK_WIDGET (self->status_value), swarm_agent_status_to_string (status));

  set_value (self->type_value, swarm_agent_get_agent_type (agent));
  set_value (self->template_value, swarm_agent_get_template (agent));
  set_value (self->sandbox_value, swarm_agent_get_sandbox_id (agent));
  set_value (self->driver_value, swarm_agent_get_sandbox_driver (agent));
  set_value (self->model_value, swarm_agent_get_model (agent));
  set_value_take (self->steps_value,
                  g_strdup_printf ("%" G_GINT64_FORMAT, swarm_agent_get_steps (agent)));
  set_value_take (self->tokens_value, swarm_format_count (swarm_agent_get_tokens_used (agent)));
  set_value_take (self->cost_value, swarm_format_cost (swarm_agent_get_cost_usd (agent)));
  set_value_take (self->time_value,
                  swarm_format_duration (swarm_agent_compute_elapsed_ms (agent, g_get_real_time ())));

  if (swarm_agent_get_config_timeout (agent) > 0)
    set_value_take (self->timeout_value,
                    swarm_format_duration (swarm_agent_get_config_timeout (agent) * 1000));
  else
    set_value (self->timeout_value, NULL);
  set_value (self->config_model_value, swarm_agent_get_config_model (agent));
  if (swarm_agent_get_config_max_steps (agent) > 0)
    set_value_take (self->max_steps_value,
                    g_strdup_printf ("%" G_GINT64_FORMAT,
                                     swarm_agent_get_config_max_steps (agent)));
  else
    set_value (self->max_steps_value, _("Backend default"));
  if (swarm_agent_get_config_max_cost_usd (agent) > 0)
    set_value_take (self->max_cost_value,
                    swarm_format_cost (swarm_agent_get_config_max_cost_usd (agent)));
  else
    set_value (self->max_cost_value, _("None"));
  if (caps != NULL && caps[0] != NULL)
    set_value_take (self->capabilities_value, g_strjoinv (", ", (char **) caps));
  else
    set_value (self->capabilities_value, _("None"));

  set_value_take (self->created_value, format_time (swarm_agent_get_created_at (agent)));
  set_value_take (self->started_value, format_time (swarm_agent_get_started_at (agent)));
  set_value_take (self->completed_value, format_time (swarm_agent_get_completed_at (agent)));
  set_value_take (self->updated_value, format_time (swarm_agent_get_updated_at (agent)));
  set_value_take (self->destroyed_value, format_time (destroyed));
  gtk_widget_set_visible (gtk_widget_get_ancestor (GTK_WIDGET (self->destroyed_value),
                                                   ADW_TYPE_ACTION_ROW),
                          destroyed != NULL);

  gtk_label_set_text (self->task_label, swarm_agent_get_task_description (agent));
  gtk_widget_set_visible (GTK_WIDGET (self->error_group), error != NULL && *error != '\0');
  gtk_label_set_text (self->error_label, error != NULL ? error : "");

  update_result (self);
}

static void
on_agent_notify_cb (SwarmAgentDetails *self,
                    GParamSpec        *pspec)
{
  const char *name = pspec != NULL ? g_param_spec_get_name (pspec) : "";

  if (g_str_equal (name, "environment-keys"))
    rebuild_environment (self);

  if ((g_str_equal (name, "result") || g_str_equal (name, "result-truncated")) &&
      swarm_agent_get_result_truncated (self->agent))
    fetch_full_agent (self);

  /* Gone from the backend: nothing more to fetch. */
  if (g_str_equal (name, "destroyed-at") && swarm_agent_get_destroyed_at (self->agent) != NULL)
    {
      self->logs_done = TRUE;
      g_clear_handle_id (&self->poll_id, g_source_remove);
    }

  update_all (self);
}

/* Fetching ------------------------------------------------------------------ */

static void
get_agent_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SwarmAgentDetails) self = user_data;
  g_autoptr(SwarmAgent) full = NULL;
  g_autoptr(GError) error = NULL;

  full = swarm_client_get_agent_finish (SWARM_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->fetching_agent = FALSE;

  if (full == NULL)
    {
      g_debug ("Could not fetch the full agent: %s", error->message);
      return;
    }

  swarm_set_str (&self->full_result, swarm_agent_get_result (full));
  update_result (self);

  /* The history keeps the whole result, not the list's first kilobyte. */
  if (self->history != NULL)
    swarm_history_record_agent (self->history, self->backend, full);
}

static void
fetch_full_agent (SwarmAgentDetails *self)
{
  if (self->fetching_agent || swarm_agent_get_destroyed_at (self->agent) != NULL)
    return;

  self->fetching_agent = TRUE;
  swarm_client_get_agent_async (self->client, swarm_agent_get_id (self->agent), self->cancellable,
                                get_agent_cb, g_object_ref (self));
}

static gboolean
is_scrolled_to_end (SwarmAgentDetails *self)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->logs_scroller);

  return gtk_adjustment_get_value (adj) + gtk_adjustment_get_page_size (adj) >=
         gtk_adjustment_get_upper (adj) - 4;
}

static void
append_entries (SwarmAgentDetails *self,
                GPtrArray         *entries)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->logs_view);
  gboolean follow = is_scrolled_to_end (self);
  GtkTextIter end;

  for (guint i = 0; i < entries->len; i++)
    {
      SwarmLogEntry *entry = g_ptr_array_index (entries, i);
      g_autoptr(GDateTime) local = g_date_time_to_local (entry->time);
      g_autofree char *stamp = g_date_time_format (local, "%H:%M:%S");
      g_autofree char *line = g_strdup_printf ("%s %-6s %s\n", stamp,
                                               swarm_log_kind_to_string (entry->kind), entry->text);

      gtk_text_buffer_get_end_iter (buffer, &end);
      gtk_text_buffer_insert_with_tags_by_name (buffer, &end, line, -1,
                                                swarm_log_kind_to_string (entry->kind), NULL);
      self->log_lines++;
    }

  /* Keep memory bounded on agents that talk a lot. */
  if (self->log_lines > LOG_MAX_LINES)
    {
      GtkTextIter start, cut;

      gtk_text_buffer_get_start_iter (buffer, &start);
      gtk_text_buffer_get_iter_at_line (buffer, &cut, self->log_lines - LOG_MAX_LINES);
      gtk_text_buffer_delete (buffer, &start, &cut);
      self->log_lines = LOG_MAX_LINES;
    }

  if (entries->len > 0)
    {
      gtk_stack_set_visible_child_name (self->logs_stack, "logs");
      if (follow)
        {
          gtk_text_buffer_get_end_iter (buffer, &end);
          gtk_text_view_scroll_to_iter (self->logs_view, &end, 0, FALSE, 0, 1);
        }
    }
}

static void
show_log_status (SwarmAgentDetails *self,
                 const char        *text)
{
  gtk_label_set_text (self->logs_status, text);
  if (self->log_lines == 0)
    gtk_stack_set_visible_child_name (self->logs_stack, "status");
}

static void
logs_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(SwarmAgentDetails) self = user_data;
  g_autoptr(SwarmLogPage) page = NULL;
  g_autoptr(GError) error = NULL;

  page = swarm_client_get_logs_finish (SWARM_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->fetching_logs = FALSE;

  if (page == NULL)
    {
      if (g_error_matches (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_NO_ROUTE))
        {
          self->logs_done = TRUE;
          show_log_status (self, _("No logs available"));
        }
      else if (g_error_matches (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_NOT_FOUND))
        {
          self->logs_done = TRUE;
          show_log_status (self, error->message);
        }
      else
        {
          g_autofree char *text = g_strdup_printf (_("Logs could not be loaded: %s"),
                                                   error->message);

          g_debug ("%s", text);
          show_log_status (self, text);
        }
      return;
    }

  if (page->entries->len == 0 && self->log_lines == 0)
    show_log_status (self,
                     swarm_agent_is_active (self->agent) ? _("No logs yet") : _("No logs available"));

  append_entries (self, page->entries);
  if (page->entries->len > 0)
    self->log_next = page->next;
  else if (self->log_next < 0)
    self->log_next = 0;

  if (self->history != NULL)
    swarm_history_record_logs (self->history, self->backend, swarm_agent_get_id (self->agent),
                               page->entries);
}

static void
kept_logs_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SwarmAgentDetails) self = user_data;
  g_autoptr(SwarmLogPage) page = NULL;
  g_autoptr(GError) error = NULL;

  page = swarm_history_load_logs_finish (SWARM_HISTORY (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (page != NULL && page->entries->len > 0)
    {
      append_entries (self, page->entries);
      /* The backend goes on from the last entry kept. */
      self->log_next = page->next;
    }
  else if (self->logs_done)
    {
      show_log_status (self, _("No logs were kept for this agent"));
    }

  if (!self->logs_done)
    {
      poll_logs_cb (self);
      restart_polling (self);
    }
}

static gboolean
poll_logs_cb (gpointer user_data)
{
  SwarmAgentDetails *self = user_data;

  if (self->logs_done)
    {
      self->poll_id = 0;
      return G_SOURCE_REMOVE;
    }

  if (self->fetching_logs)
    return G_SOURCE_CONTINUE;

  self->fetching_logs = TRUE;
  if (self->log_next < 0)
    swarm_client_get_logs_async (self->client, swarm_agent_get_id (self->agent), -1, 0,
                                 LOG_FIRST_TAIL,
                                 self->cancellable, logs_cb, g_object_ref (self));
  else
    swarm_client_get_logs_async (self->client, swarm_agent_get_id (self->agent),
                                 self->log_next, 1000, 0,
                                 self->cancellable, logs_cb, g_object_ref (self));

  return G_SOURCE_CONTINUE;
}

static void
restart_polling (SwarmAgentDetails *self)
{
  g_clear_handle_id (&self->poll_id, g_source_remove);
  if (!self->logs_done)
    self->poll_id = g_timeout_add (self->poll_interval_ms, poll_logs_cb, self);
}

static void
copy_result_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  SwarmAgentDetails *self = SWARM_AGENT_DETAILS (widget);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget),
                          gtk_label_get_text (self->result_label));
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (_("Result copied")));
}

static void
run_again_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SwarmAgentDetails *self = SWARM_AGENT_DETAILS (widget);

  g_signal_emit (self, signals[SIGNAL_RUN_AGAIN], 0, self->agent);
}

/* Object ------------------------------------------------------------------------ */

static gboolean
swarm_agent_details_close_request (GtkWindow *window)
{
  SwarmAgentDetails *self = SWARM_AGENT_DETAILS (window);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->poll_id, g_source_remove);

  return GTK_WINDOW_CLASS (swarm_agent_details_parent_class)->close_request (window);
}

static void
swarm_agent_details_dispose (GObject *object)
{
  SwarmAgentDetails *self = SWARM_AGENT_DETAILS (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->poll_id, g_source_remove);
  if (self->agent != NULL)
    g_signal_handlers_disconnect_by_data (self->agent, self);
  g_clear_object (&self->agent);
  g_clear_object (&self->client);
  g_clear_object (&self->history);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (swarm_agent_details_parent_class)->dispose (object);
}

static void
swarm_agent_details_finalize (GObject *object)
{
  SwarmAgentDetails *self = SWARM_AGENT_DETAILS (object);

  g_free (self->full_result);
  g_free (self->backend);
  g_ptr_array_unref (self->env_rows);

  G_OBJECT_CLASS (swarm_agent_details_parent_class)->finalize (object);
}

static void
swarm_agent_details_class_init (SwarmAgentDetailsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = swarm_agent_details_dispose;
  object_class->finalize = swarm_agent_details_finalize;
  window_class->close_request = swarm_agent_details_close_request;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "/ui/swarm-agent-details.ui");
  gtk_widget_class_bind_template_child (widget_class, SwarmAgentDetails, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SwarmAgentDetails, window_title);
  gtk_widget_class_bind_template_child (widget_class, SwarmAgentDetails, overview_group);
  gtk_widget_class_bind_template_child (widget_class, SwarmAgentDetails, task_label);
  gtk_widget_class_bind_template_child (widget_class, SwarmAgentDetails, error_group);
  gtk_widget_class_bind_template_child (widget_class, SwarmAgentDetails, error_label);
  gtk_widget_class_bind_template_child (widget_class, SwarmAgentDetails, result_group);
  gtk_widget_class_bind_template_child (widget_class, SwarmAgentDetails, result_label);
  gtk_widget_class_bind_template_child (widget_class, SwarmAgentDetails, config_group);
  gtk_widget_class_bind_template_child (widget_class, SwarmAgentDetails, env_group);
  gtk_widget_class_bind_template_child (widget_class, SwarmAgentDetails, times_group);
  gtk_widget_class_bind_template_child (widget_class, SwarmAgentDetails, logs_stack);
  gtk_widget_class_bind_template_child (widget_class, SwarmAgentDetails, logs_scroller);
  gtk_widget_class_bind_template_child (widget_class, SwarmAgentDetails, logs_view);
  gtk_widget_class_bind_template_child (widget_class, SwarmAgentDetails, logs_status);
  gtk_widget_class_bind_template_child (widget_class, SwarmAgentDetails, run_again_button);

  /**
   * SwarmAgentDetails::run-again:
   * @agent: the agent shown
   *
   * The user asked for a new agent with this one's settings.
   */
  signals[SIGNAL_RUN_AGAIN] =
    g_signal_new ("run-again", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, SWARM_TYPE_AGENT);

  gtk_widget_class_install_action (widget_class, "details.copy-result", NULL, copy_result_action);
  gtk_widget_class_install_action (widget_class, "details.run-again", NULL, run_again_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
swarm_agent_details_init (SwarmAgentDetails *self)
{
  GtkTextBuffer *buffer;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->env_rows = g_ptr_array_new ();
  self->log_next = -1;
  self->poll_interval_ms = LOG_POLL_MS;

  self->status_value = add_info_row (self->overview_group, _("Status"));
  self->type_value = add_info_row (self->overview_group, _("Type"));
  self->template_value = add_info_row (self->overview_group, _("Template"));
  self->sandbox_value = add_info_row (self->overview_group, _("Sandbox ID"));
  gtk_widget_add_css_class (GTK_WIDGET (self->sandbox_value), "monospace");
  self->driver_value = add_info_row (self->overview_group, _("Sandbox Driver"));
  self->model_value = add_info_row (self->overview_group, _("Model"));
  self->steps_value = add_info_row (self->overview_group, _("Steps"));
  self->tokens_value = add_info_row (self->overview_group, _("Tokens"));
  self->cost_value = add_info_row (self->overview_group, _("Cost"));
  self->time_value = add_info_row (self->overview_group, _("Time"));

  self->timeout_value = add_info_row (self->config_group, _("Timeout"));
  self->config_model_value = add_info_row (self->config_group, _("Requested Model"));
  self->max_steps_value = add_info_row (self->config_group, _("Step Limit"));
  self->max_cost_value = add_info_row (self->config_group, _("Cost Limit"));
  self->capabilities_value = add_info_row (self->config_group, _("Capabilities"));

  self->created_value = add_info_row (self->times_group, _("Created"));
  self->started_value = add_info_row (self->times_group, _("Started"));
  self->completed_value = add_info_row (self->times_group, _("Completed"));
  self->updated_value = add_info_row (self->times_group, _("Last Update"));
  self->destroyed_value = add_info_row (self->times_group, _("Destroyed"));

  buffer = gtk_text_view_get_buffer (self->logs_view);
  /* No colours: they would have to follow the light and dark styles. */
  gtk_text_buffer_create_tag (buffer, "system", "style", PANGO_STYLE_ITALIC, NULL);
  gtk_text_buffer_create_tag (buffer, "llm", "weight", PANGO_WEIGHT_BOLD, NULL);
  gtk_text_buffer_create_tag (buffer, "tool", "weight", PANGO_WEIGHT_SEMIBOLD, NULL);
  gtk_text_buffer_create_tag (buffer, "output", NULL);

  gtk_label_set_text (self->logs_status, _("Loading logs…"));
  gtk_stack_set_visible_child_name (self->logs_stack, "status");
}

/**
 * swarm_agent_details_new:
 * @history: (nullable): where logs and full results are kept
 * @backend: (nullable): the normalised backend URL, the history's key
 * @agent: the agent as the table holds it; the window follows its changes
 */
SwarmAgentDetails *
swarm_agent_details_new (GtkWindow    *parent,
                         SwarmClient  *client,
                         SwarmHistory *history,
                         const char   *backend,
                         SwarmAgent   *agent)
{
  SwarmAgentDetails *self;

  g_return_val_if_fail (!parent || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (SWARM_IS_CLIENT (client), NULL);
  g_return_val_if_fail (!history || SWARM_IS_HISTORY (history), NULL);
  g_return_val_if_fail (!history || backend != NULL, NULL);
  g_return_val_if_fail (SWARM_IS_AGENT (agent), NULL);

  self = g_object_new (SWARM_TYPE_AGENT_DETAILS,
                       "transient-for", parent,
                       NULL);
  self->client = g_object_ref (client);
  self->history = history != NULL ? g_object_ref (history) : NULL;
  self->backend = g_strdup (backend);
  self->agent = g_object_ref (agent);
  self->logs_done = swarm_agent_get_destroyed_at (agent) != NULL;
  g_signal_connect_object (agent, "notify", G_CALLBACK (on_agent_notify_cb), self,
                           G_CONNECT_SWAPPED);

  rebuild_environment (self);
  update_all (self);
  fetch_full_agent (self);

  if (history != NULL)
    {
      swarm_history_load_logs_async (history, backend, swarm_agent_get_id (agent),
                                     self->cancellable, kept_logs_cb, g_object_ref (self));
    }
  else if (!self->logs_done)
    {
      poll_logs_cb (self);
      restart_polling (self);
    }

  return self;
}

/**
 * swarm_agent_details_set_online:
 *
 * Makes what needs the backend (Run Again) sensitive or not.
 */
void
swarm_agent_details_set_online (SwarmAgentDetails *self,
                                gboolean           online)
{
  g_return_if_fail (SWARM_IS_AGENT_DETAILS (self));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "details.run-again", online);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->run_again_button),
                               online ? _("Deploy a New Agent With the Same Settings")
                                      : _("Not available offline"));
}

SwarmAgent *
swarm_agent_details_get_agent (SwarmAgentDetails *self)
{
  g_return_val_if_fail (SWARM_IS_AGENT_DETAILS (self), NULL);

  return self->agent;
}

/**
 * swarm_agent_details_get_log_text:
 *
 * Returns: (transfer full): the log lines shown, for tests
 */
char *
swarm_agent_details_get_log_text (SwarmAgentDetails *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (SWARM_IS_AGENT_DETAILS (self), NULL);

  buffer = gtk_text_view_get_buffer (self->logs_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

/**
 * swarm_agent_details_get_log_status:
 *
 * Returns: the sentence shown instead of logs (“No logs available”…), or
 *   %NULL while logs are shown
 */
const char *
swarm_agent_details_get_log_status (SwarmAgentDetails *self)
{
  g_return_val_if_fail (SWARM_IS_AGENT_DETAILS (self), NULL);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->logs_stack), "status") != 0)
    return NULL;

  return gtk_label_get_text (self->logs_status);
}

void
swarm_agent_details_set_poll_interval (SwarmAgentDetails *self,
                                       guint              interval_ms)
{
  g_return_if_fail (SWARM_IS_AGENT_DETAILS (self));
  g_return_if_fail (interval_ms > 0);

  self->poll_interval_ms = interval_ms;
  restart_polling (self);
}
