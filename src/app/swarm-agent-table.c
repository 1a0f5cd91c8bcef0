/* swarm-agent-table.c — the agent GtkColumnView with its sort and filter
 *
 * The model chain is store → filter → sort → slice → selection → view (the
 * slice limits the rows only while a launch fills the table).  The store
 * updates agents in place, so a refresh costs the visible cells' notify
 * handlers plus, only when the shown order or filter depends on what
 * changed, one gtk_filter_changed() and one gtk_sorter_changed().
 *
 * The Time column of running agents is drawn from `started_at` by one
 * one-second timer over the cells on screen; the sort key (`elapsed-ms`)
 * only changes at a refresh, so ticking never re-sorts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarm-agent-table"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "swarm-agent-table.h"
#include "swarm-frame-wait.h"

struct _SwarmAgentTable
{
  GtkWidget            parent_instance;

  /* template children */
  GtkScrolledWindow   *scrolled_window;
  GtkColumnView       *column_view;
  GtkColumnViewColumn *name_column;
  GtkColumnViewColumn *status_column;
  GtkColumnViewColumn *sandbox_column;
  GtkColumnViewColumn *task_column;
  GtkColumnViewColumn *tokens_column;
  GtkColumnViewColumn *time_column;
  GtkColumnViewColumn *cost_column;
  GtkColumnViewColumn *actions_column;

  SwarmAgentStore     *store;          /* (owned) (nullable) */
  GListModel          *history;        /* (owned) (nullable): destroyed agents */
  gboolean             show_history;
  GtkCustomFilter     *filter;         /* (owned): attached only while it filters */
  GtkSorter           *newest_first;   /* (owned): the default order */
  GtkSorter           *user_sorter;    /* (owned): the user's column, then newest first */
  GtkFilterListModel  *filter_model;   /* (owned) */
  GtkSortListModel    *sort_model;     /* (owned) */
  GtkSliceListModel   *slice;          /* (owned): every row, but the first only while filling */
  GtkSingleSelection  *selection;      /* (owned) */

  SwarmFrameWait      *fill_wait;      /* (nullable): filling, until the first rows are painted */
  guint                fill_step_id;   /* then the idle that adds the others */

  char                *search;         /* (owned) (nullable): case-folded */
  int                  status_filter;  /* -1: every status */

  gint64               sort_now_us;    /* the Time column sorts by the elapsed time at this moment */
  gboolean             time_sorted;    /* the Time sorter was consulted by the last sort */

  GHashTable          *ticking;        /* GtkLabel → SwarmAgent: Time cells of running agents */
  GHashTable          *action_boxes;   /* the bound Actions cells */
  guint                tick_id;
  gboolean             actions_enabled;
};

G_DEFINE_FINAL_TYPE (SwarmAgentTable, swarm_agent_table, GTK_TYPE_WIDGET)

static const struct {
  const char *id;
  gsize       offset;
} column_ids[] = {
  { "name", G_STRUCT_OFFSET (SwarmAgentTable, name_column) },
  { "status", G_STRUCT_OFFSET (SwarmAgentTable, status_column) },
  { "sandbox", G_STRUCT_OFFSET (SwarmAgentTable, sandbox_column) },
  { "task", G_STRUCT_OFFSET (SwarmAgentTable, task_column) },
  { "tokens", G_STRUCT_OFFSET (SwarmAgentTable, tokens_column) },
  { "time", G_STRUCT_OFFSET (SwarmAgentTable, time_column) },
  { "cost", G_STRUCT_OFFSET (SwarmAgentTable, cost_column) },
};

#define COLUMN_AT(self, i) (*(GtkColumnViewColumn **) G_STRUCT_MEMBER_P ((self), column_ids[i].offset))

/* Filtering ------------------------------------------------------------ */

static gboolean
contains_folded (const char *haystack,
                 const char *needle)
{
  g_autofree char *folded = NULL;

  if (haystack == NULL)
    return FALSE;

  folded = g_utf8_casefold (haystack, -1);
  return strstr (folded, needle) != NULL;
}

static gboolean
filter_func (gpointer item,
             gpointer user_data)
{
  SwarmAgentTable *self = user_data;
  SwarmAgent *agent = item;

  if (self->status_filter >= 0 && (int) swarm_agent_get_status (agent) != self->status_filter)
    return FALSE;

  if (self->search == NULL)
    return TRUE;

  return contains_folded (swarm_agent_get_name (agent), self->search) ||
         contains_folded (swarm_agent_get_task_description (agent), self->search) ||
         contains_folded (swarm_agent_get_sandbox_id (agent), self->search);
}

/* Without a search or a status filter the model filters nothing: a filter
 * that keeps every row still costs a call per row. */
static void
update_filter (SwarmAgentTable   *self,
               GtkFilterChange    change)
{
  gboolean active = self->search != NULL || self->status_filter >= 0;
  GtkFilter *attached = gtk_filter_list_model_get_filter (self->filter_model);

  if (!active)
    {
      if (attached != NULL)
        gtk_filter_list_model_set_filter (self->filter_model, NULL);
      return;
    }

  if (attached == NULL)
    gtk_filter_list_model_set_filter (self->filter_model, GTK_FILTER (self->filter));
  else
    gtk_filter_changed (GTK_FILTER (self->filter), change);
}

/* The store alone, or the store and the destroyed agents: a flatten model
 * only while the history is shown, so the usual chain has no extra link. */
static void
update_model (SwarmAgentTable *self)
{
  if (self->show_history && self->history != NULL && self->store != NULL)
    {
      GListStore *models = g_list_store_new (G_TYPE_LIST_MODEL);
      g_autoptr(GtkFlattenListModel) flat = NULL;

      g_list_store_append (models, self->store);
      g_list_store_append (models, self->history);
      flat = gtk_flatten_list_model_new (G_LIST_MODEL (models));
      gtk_filter_list_model_set_model (self->filter_model, G_LIST_MODEL (flat));
    }
  else
    {
      gtk_filter_list_model_set_model (self->filter_model, G_LIST_MODEL (self->store));
    }
}

/* In the default order the sort model uses only the cached created-at
 * keys; the column view's sorter, which compares through expressions,
 * joins only when the user picks a column. */
static void
on_column_sorter_changed_cb (GtkSorter       *column_sorter,
                             GtkSorterChange  change,
                             SwarmAgentTable *self)
{
  GtkSorter *wanted = gtk_sorter_get_order (column_sorter) == GTK_SORTER_ORDER_NONE
                      ? self->newest_first : self->user_sorter;

  if (gtk_sort_list_model_get_sorter (self->sort_model) != wanted)
    gtk_sort_list_model_set_sorter (self->sort_model, wanted);
}

static int
compare_status (gconstpointer a,
                gconstpointer b,
                gpointer      user_data)
{
  /* Destroyed agents come after every status. */
  int sa = swarm_agent_get_destroyed_at ((SwarmAgent *) a) != NULL ? SWARM_AGENT_STATUS_FAILED + 1
                                                                   : (int) swarm_agent_get_status ((SwarmAgent *) a);
  int sb = swarm_agent_get_destroyed_at ((SwarmAgent *) b) != NULL ? SWARM_AGENT_STATUS_FAILED + 1
                                                                   : (int) swarm_agent_get_status ((SwarmAgent *) b);

  return (sa > sb) - (sa < sb);
}

/* Time sorts by the elapsed time at the last refresh: computed from
 * started_at at compare time, so a refresh changes no agent for it. */
static int
compare_time (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  SwarmAgentTable *self = user_data;
  gint64 ta = swarm_agent_compute_elapsed_ms ((SwarmAgent *) a, self->sort_now_us);
  gint64 tb = swarm_agent_compute_elapsed_ms ((SwarmAgent *) b, self->sort_now_us);

  self->time_sorted = TRUE;
  return (ta > tb) - (ta < tb);
}

/* Cells ------------------------------------------------------------------ */

static GtkWidget *
make_label (float xalign)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), xalign);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
  return label;
}

static void
set_label_take (GtkWidget *label,
                char      *text)
{
  gtk_label_set_text (GTK_LABEL (label), text);
  g_free (text);
}

static void
disconnect_cell (GtkListItem *list_item)
{
  GtkWidget *child = gtk_list_item_get_child (list_item);
  SwarmAgent *agent = g_object_get_data (G_OBJECT (child), "swarm-agent");

  if (agent != NULL)
    {
      g_signal_handlers_disconnect_by_data (agent, child);
      g_object_set_data (G_OBJECT (child), "swarm-agent", NULL);
    }
}

/* Connects @callback to @signal of the row's agent, calls it once, and
 * remembers the agent so unbind can disconnect. */
static void
bind_cell (GtkListItem *list_item,
           const char  *signal,
           GCallback    callback)
{
  GtkWidget *child = gtk_list_item_get_child (list_item);
  SwarmAgent *agent = gtk_list_item_get_item (list_item);

  g_object_set_data_full (G_OBJECT (child), "swarm-agent", g_object_ref (agent), g_object_unref);
  g_signal_connect_object (agent, signal, callback, child, 0);
  ((void (*) (SwarmAgent *, GParamSpec *, GtkWidget *)) callback) (agent, NULL, child);
}

/* Tooltips are asked for when the pointer rests on a cell, not set at
 * every bind: setting them costs more than the rest of a row's binding. */
static gboolean
on_query_tooltip_cb (GtkWidget  *widget,
                     int         x,
                     int         y,
                     gboolean    keyboard,
                     GtkTooltip *tooltip,
                     gpointer    user_data)
{
  const char *property = user_data;
  SwarmAgent *agent = g_object_get_data (G_OBJECT (widget), "swarm-agent");
  g_autofree char *text = NULL;

  if (agent == NULL)
    agent = g_object_get_data (G_OBJECT (gtk_widget_get_parent (widget)), "swarm-agent");
  if (agent == NULL)
    return FALSE;

  if (g_str_equal (property, "error-message") &&
      swarm_agent_get_status (agent) != SWARM_AGENT_STATUS_FAILED)
    return FALSE;

  g_object_get (agent, property, &text, NULL);
  if (text == NULL || *text == '\0')
    return FALSE;

  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
tooltip_from (GtkWidget  *widget,
              const char *property)
{
  gtk_widget_set_has_tooltip (widget, TRUE);
  g_signal_connect (widget, "query-tooltip", G_CALLBACK (on_query_tooltip_cb), (gpointer) property);
}

static void
setup_name_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  GtkWidget *label = make_label (0.0);

  tooltip_from (label, "name");
  gtk_list_item_set_child (list_item, label);
}

static void
setup_task_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  GtkWidget *label = make_label (0.0);

  tooltip_from (label, "task-description");
  gtk_list_item_set_child (list_item, label);
}

static void
setup_number_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *list_item,
                 gpointer                  user_data)
{
  GtkWidget *label = make_label (1.0);

  gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (list_item, label);
}

static void
unbind_cell_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                gpointer                  user_data)
{
  disconnect_cell (list_item);
}

/* Agent Name */

static void
update_name (SwarmAgent *agent,
             GParamSpec *pspec,
             GtkWidget  *label)
{
  gtk_label_set_text (GTK_LABEL (label), swarm_agent_get_name (agent));
}

static void
bind_name_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  bind_cell (list_item, "notify::name", G_CALLBACK (update_name));
}

/* Status */

static void
setup_status_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *list_item,
                 gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_widget_set_halign (label, GTK_ALIGN_START);
  gtk_widget_add_css_class (label, "status-badge");
  tooltip_from (label, "error-message");
  gtk_list_item_set_child (list_item, label);
}

static void
update_status (SwarmAgent *agent,
               GParamSpec *pspec,
               GtkWidget  *label)
{
  static const char * const classes[] = { "pending", "running", "completed", "failed", "destroyed" };
  SwarmAgentStatus status = swarm_agent_get_status (agent);
  gboolean destroyed = swarm_agent_get_destroyed_at (agent) != NULL;

  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    gtk_widget_remove_css_class (label, classes[i]);
  gtk_widget_add_css_class (label, destroyed ? "destroyed" : swarm_agent_status_to_string (status));
  /* Translators: the status of an agent the backend no longer has */
  gtk_label_set_text (GTK_LABEL (label), destroyed ? C_("agent status", "Destroyed")
                                                   : swarm_agent_status_get_label (status));
}

static void
bind_status_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                gpointer                  user_data)
{
  GtkWidget *label = gtk_list_item_get_child (list_item);

  bind_cell (list_item, "notify::status", G_CALLBACK (update_status));
  g_signal_connect_object (gtk_list_item_get_item (list_item), "notify::destroyed-at",
                           G_CALLBACK (update_status), label, 0);
}

/* Sandbox ID */

static void
on_copy_clicked_cb (GtkButton *button,
                    gpointer   user_data)
{
  GtkWidget *box = gtk_widget_get_parent (GTK_WIDGET (button));
  SwarmAgent *agent = g_object_get_data (G_OBJECT (box), "swarm-agent");

  if (agent != NULL && swarm_agent_get_sandbox_id (agent) != NULL)
    gtk_widget_activate_action (GTK_WIDGET (button), "win.copy-sandbox-id", "s",
                                swarm_agent_get_sandbox_id (agent));
}

static gboolean
on_copy_query_tooltip_cb (GtkWidget  *button,
                          int         x,
                          int         y,
                          gboolean    keyboard,
                          GtkTooltip *tooltip,
                          gpointer    user_data)
{
  gtk_tooltip_set_text (tooltip, _("Copy Sandbox ID"));
  return TRUE;
}

static void
setup_sandbox_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *list_item,
                  gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  GtkWidget *label = make_label (0.0);
  GtkWidget *button = gtk_button_new_from_icon_name ("edit-copy-symbolic");

  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_add_css_class (label, "monospace");
  tooltip_from (label, "sandbox-id");
  gtk_box_append (GTK_BOX (box), label);

  gtk_widget_add_css_class (button, "flat");
  gtk_widget_add_css_class (button, "circular");
  gtk_widget_add_css_class (button, "copy-button");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_has_tooltip (button, TRUE);
  g_signal_connect (button, "query-tooltip", G_CALLBACK (on_copy_query_tooltip_cb), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Copy Sandbox ID"),
                                  -1);
  g_signal_connect (button, "clicked", G_CALLBACK (on_copy_clicked_cb), NULL);
  gtk_box_append (GTK_BOX (box), button);

  gtk_list_item_set_child (list_item, box);
}

static void
update_sandbox (SwarmAgent *agent,
                GParamSpec *pspec,
                GtkWidget  *box)
{
  GtkWidget *label = gtk_widget_get_first_child (box);
  GtkWidget *button = gtk_widget_get_last_child (box);
  const char *sandbox = swarm_agent_get_sandbox_id (agent);

  gtk_label_set_text (GTK_LABEL (label), sandbox != NULL ? sandbox : "—");
  gtk_widget_set_visible (button, sandbox != NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (label),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, sandbox != NULL ? sandbox : _("No sandbox yet"),
                                  -1);

  if (sandbox != NULL)
    {
      g_autofree char *copy = g_strdup_printf (_("Copy the sandbox ID of %s"),
                                               swarm_agent_get_name (agent));

      gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, copy, -1);
    }
}

static void
bind_sandbox_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *list_item,
                 gpointer                  user_data)
{
  bind_cell (list_item, "notify::sandbox-id", G_CALLBACK (update_sandbox));
}

/* Task */

static void
update_task (SwarmAgent *agent,
             GParamSpec *pspec,
             GtkWidget  *label)
{
  const char *task = swarm_agent_get_task_description (agent);
  g_autofree char *one_line = g_strdup (task);

  g_strdelimit (one_line, "\n\r\t", ' ');
  gtk_label_set_text (GTK_LABEL (label), one_line);
}

static void
bind_task_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  bind_cell (list_item, "notify::task-description", G_CALLBACK (update_task));
}

/* Tokens */

static void
update_tokens (SwarmAgent *agent,
               GParamSpec *pspec,
               GtkWidget  *label)
{
  set_label_take (label, swarm_format_count (swarm_agent_get_tokens_used (agent)));
}

static void
bind_tokens_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                gpointer                  user_data)
{
  bind_cell (list_item, "notify::tokens-used", G_CALLBACK (update_tokens));
}

/* Time */

static gboolean tick_cb (gpointer user_data);

static void
update_time_label (GtkWidget  *label,
                   SwarmAgent *agent,
                   gint64      now_us)
{
  gint64 elapsed = swarm_agent_compute_elapsed_ms (agent, now_us);

  /* A pending agent has not run at all: no time rather than “0 s”. */
  if (swarm_agent_get_status (agent) == SWARM_AGENT_STATUS_PENDING && elapsed == 0)
    gtk_label_set_text (GTK_LABEL (label), "—");
  else
    set_label_take (label, swarm_format_duration (elapsed));
}

static void
update_time (SwarmAgent *agent,
             GParamSpec *pspec,
             GtkWidget  *label)
{
  SwarmAgentTable *self = g_object_get_data (G_OBJECT (label), "swarm-table");

  update_time_label (label, agent, g_get_real_time ());

  if (swarm_agent_get_status (agent) == SWARM_AGENT_STATUS_RUNNING &&
      swarm_agent_get_started_at (agent) != NULL)
    {
      g_hash_table_insert (self->ticking, label, agent);
      if (self->tick_id == 0)
        self->tick_id = g_timeout_add_seconds_full (G_PRIORITY_DEFAULT_IDLE, 1, tick_cb,
                                                    self, NULL);
    }
  else
    {
      g_hash_table_remove (self->ticking, label);
    }
}

static gboolean
tick_cb (gpointer user_data)
{
  SwarmAgentTable *self = user_data;
  gint64 now_us = g_get_real_time ();
  GHashTableIter iter;
  gpointer label, agent;

  if (g_hash_table_size (self->ticking) == 0)
    {
      self->tick_id = 0;
      return G_SOURCE_REMOVE;
    }

  g_hash_table_iter_init (&iter, self->ticking);
  while (g_hash_table_iter_next (&iter, &label, &agent))
    update_time_label (label, agent, now_us);

  return G_SOURCE_CONTINUE;
}

static void
setup_time_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  GtkWidget *label = make_label (1.0);

  gtk_widget_add_css_class (label, "numeric");
  g_object_set_data (G_OBJECT (label), "swarm-table", user_data);
  gtk_list_item_set_child (list_item, label);
}

static void
bind_time_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  GtkWidget *label = gtk_list_item_get_child (list_item);
  SwarmAgent *agent = gtk_list_item_get_item (list_item);

  bind_cell (list_item, "notify::status", G_CALLBACK (update_time));
  g_signal_connect_object (agent, "notify::started-at", G_CALLBACK (update_time), label, 0);
  g_signal_connect_object (agent, "notify::execution-time-ms", G_CALLBACK (update_time), label, 0);
}

static void
unbind_time_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                gpointer                  user_data)
{
  SwarmAgentTable *self = user_data;

  g_hash_table_remove (self->ticking, gtk_list_item_get_child (list_item));
  disconnect_cell (list_item);
}

/* Cost */

static void
update_cost (SwarmAgent *agent,
             GParamSpec *pspec,
             GtkWidget  *label)
{
  set_label_take (label, swarm_format_cost (swarm_agent_get_cost_usd (agent)));
}

static void
bind_cost_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  bind_cell (list_item, "notify::cost-usd", G_CALLBACK (update_cost));
}

/* Actions */

static void
on_action_clicked_cb (GtkButton *button,
                      gpointer   user_data)
{
  const char *action = user_data;
  GtkWidget *box = gtk_widget_get_parent (GTK_WIDGET (button));
  SwarmAgent *agent = g_object_get_data (G_OBJECT (box), "swarm-agent");

  if (agent != NULL)
    gtk_widget_activate_action (GTK_WIDGET (button), action, "s", swarm_agent_get_id (agent));
}

/**
 * swarm_agent_table_get_action_tooltip:
 * @action: the button's action: `win.view-agent`, `win.terminate-agent` or
 *   `win.destroy-agent`
 *
 * What the button for @action in @agent's row says when the pointer rests
 * on it; when the button is insensitive, it says why.
 */
const char *
swarm_agent_table_get_action_tooltip (SwarmAgentTable *self,
                                      SwarmAgent      *agent,
                                      const char      *action)
{
  g_return_val_if_fail (SWARM_IS_AGENT_TABLE (self), NULL);
  g_return_val_if_fail (SWARM_IS_AGENT (agent), NULL);
  g_return_val_if_fail (action != NULL, NULL);

  if (g_str_equal (action, "win.view-agent"))
    return _("View Details");
  if (swarm_agent_get_destroyed_at (agent) != NULL)
    return _("Already destroyed");
  if (!self->actions_enabled)
    return _("Not available offline");
  if (g_str_equal (action, "win.terminate-agent"))
    return swarm_agent_is_active (agent) ? _("Terminate") : _("Already ended");
  return _("Destroy");
}

/* Asked for when the pointer rests on the button: setting a tooltip at
 * every bind costs a round trip to the X server each time. */
static gboolean
on_action_query_tooltip_cb (GtkWidget  *button,
                            int         x,
                            int         y,
                            gboolean    keyboard,
                            GtkTooltip *tooltip,
                            gpointer    user_data)
{
  GtkWidget *box = gtk_widget_get_parent (button);
  SwarmAgentTable *self = g_object_get_data (G_OBJECT (box), "swarm-table");
  SwarmAgent *agent = g_object_get_data (G_OBJECT (box), "swarm-agent");

  if (self == NULL || agent == NULL)
    return FALSE;

  gtk_tooltip_set_text (tooltip, swarm_agent_table_get_action_tooltip (self, agent, user_data));
  return TRUE;
}

static GtkWidget *
make_action_button (const char *icon_name,
                    const char *action)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon_name);

  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_has_tooltip (button, TRUE);
  g_signal_connect (button, "query-tooltip", G_CALLBACK (on_action_query_tooltip_cb), (gpointer) action);
  g_signal_connect (button, "clicked", G_CALLBACK (on_action_clicked_cb), (gpointer) action);
  return button;
}

static void
setup_actions_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *list_item,
                  gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 2);

  gtk_box_append (GTK_BOX (box), make_action_button ("view-reveal-symbolic", "win.view-agent"));
  gtk_box_append (GTK_BOX (box),
                  make_action_button ("media-playback-stop-symbolic", "win.terminate-agent"));
  gtk_box_append (GTK_BOX (box), make_action_button ("user-trash-symbolic", "win.destroy-agent"));
  gtk_widget_add_css_class (gtk_widget_get_last_child (box), "destroy-button");
  gtk_list_item_set_child (list_item, box);
}

static void
update_actions (SwarmAgent *agent,
                GParamSpec *pspec,
                GtkWidget  *box)
{
  SwarmAgentTable *self = g_object_get_data (G_OBJECT (box), "swarm-table");
  GtkWidget *view = gtk_widget_get_first_child (box);
  GtkWidget *terminate = gtk_widget_get_next_sibling (view);
  GtkWidget *destroy = gtk_widget_get_next_sibling (terminate);
  const char *name = swarm_agent_get_name (agent);
  g_autofree char *view_label = g_strdup_printf (_("View %s"), name);
  g_autofree char *terminate_label = g_strdup_printf (_("Terminate %s"), name);
  g_autofree char *destroy_label = g_strdup_printf (_("Destroy %s"), name);
  gboolean active = swarm_agent_is_active (agent);
  gboolean destroyed = swarm_agent_get_destroyed_at (agent) != NULL;

  /* The description is what the tooltip says, as GTK would set it with
   * the tooltip: a screen reader hears why a button is insensitive. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, view_label,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  swarm_agent_table_get_action_tooltip (self, agent, "win.view-agent"),
                                  -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (terminate),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, terminate_label,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  swarm_agent_table_get_action_tooltip (self, agent, "win.terminate-agent"),
                                  -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (destroy),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, destroy_label,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  swarm_agent_table_get_action_tooltip (self, agent, "win.destroy-agent"),
                                  -1);

  gtk_widget_set_sensitive (terminate, active && !destroyed && self->actions_enabled);
  gtk_widget_set_sensitive (destroy, !destroyed && self->actions_enabled);
}

static void
setup_actions_with_table_cb (GtkSignalListItemFactory *factory,
                             GtkListItem              *list_item,
                             gpointer                  user_data)
{
  setup_actions_cb (factory, list_item, user_data);
  g_object_set_data (G_OBJECT (gtk_list_item_get_child (list_item)), "swarm-table", user_data);
}

static void
bind_actions_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *list_item,
                 gpointer                  user_data)
{
  SwarmAgentTable *self = user_data;
  GtkWidget *box = gtk_list_item_get_child (list_item);
  SwarmAgent *agent = gtk_list_item_get_item (list_item);

  bind_cell (list_item, "notify::status", G_CALLBACK (update_actions));
  g_signal_connect_object (agent, "notify::name", G_CALLBACK (update_actions), box, 0);
  g_signal_connect_object (agent, "notify::destroyed-at", G_CALLBACK (update_actions), box, 0);
  g_hash_table_add (self->action_boxes, box);
}

static void
unbind_actions_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *list_item,
                   gpointer                  user_data)
{
  SwarmAgentTable *self = user_data;

  g_hash_table_remove (self->action_boxes, gtk_list_item_get_child (list_item));
  disconnect_cell (list_item);
}

/* Filling ---------------------------------------------------------------- */

/* GTK 4.8's list views build 200 row widgets whatever the window's height,
 * and each is made, bound, styled, measured and given an accessible before
 * the first frame.  While an empty table takes thousands of agents at once
 * (at launch), the view gets only the rows a screen can show; once those
 * are painted, the rest follow a few at a time, so that no frame waits
 * for all of them: 176 rows at once kept the main loop busy for 320 ms;
 * 16 at a time, the longest stall is 30-65 ms. */
#define FILL_MIN_ROWS 16
#define FILL_ROW_HEIGHT 32     /* px: no row is lower than this */
#define FILL_STEP_ROWS 16
#define FILL_ALL_ROWS 208      /* GTK 4.8 builds no more rows than this */
#define FILL_TIMEOUT_MS 500

static void
stop_fill (SwarmAgentTable *self)
{
  swarm_frame_wait_cancel (&self->fill_wait);
  g_clear_handle_id (&self->fill_step_id, g_source_remove);
}

/* An idle: input and frames, which come first, run between the steps. */
static gboolean
fill_step_cb (gpointer user_data)
{
  SwarmAgentTable *self = user_data;
  guint size = gtk_slice_list_model_get_size (self->slice);

  if (size >= FILL_ALL_ROWS - FILL_STEP_ROWS)
    {
      self->fill_step_id = 0;
      gtk_slice_list_model_set_size (self->slice, G_MAXUINT);
      return G_SOURCE_REMOVE;
    }

  gtk_slice_list_model_set_size (self->slice, size + FILL_STEP_ROWS);
  return G_SOURCE_CONTINUE;
}

/* The first rows are painted (or no frame came in time, the window being
 * hidden): the rest come once the frame is out, not inside it. */
static void
fill_first_rows_shown (gpointer user_data)
{
  SwarmAgentTable *self = user_data;

  self->fill_step_id = g_idle_add (fill_step_cb, self);
}

/**
 * swarm_agent_table_begin_fill:
 *
 * Call right before the store takes many agents at once.  If the table is
 * empty and on screen, the view shows only as many rows as fit until the
 * next frame is painted (or half a second has passed), then the others,
 * a few rows at a time.
 * The visible model, the sort and the filter always cover every agent.
 */
void
swarm_agent_table_begin_fill (SwarmAgentTable *self)
{
  int height;

  g_return_if_fail (SWARM_IS_AGENT_TABLE (self));

  if (self->fill_wait != NULL || self->fill_step_id != 0 ||
      self->store == NULL || g_list_model_get_n_items (G_LIST_MODEL (self->store)) > 0 ||
      g_list_model_get_n_items (G_LIST_MODEL (self->sort_model)) > 0)
    return;

  /* The window's height: the table may be hidden behind the loading page. */
  if (!swarm_frame_wait_start (&self->fill_wait, GTK_WIDGET (self), FILL_TIMEOUT_MS,
                               fill_first_rows_shown, self))
    return;

  height = gtk_widget_get_height (GTK_WIDGET (gtk_widget_get_root (GTK_WIDGET (self))));
  gtk_slice_list_model_set_size (self->slice, MAX (FILL_MIN_ROWS, height / FILL_ROW_HEIGHT + 2));
}

/* Widget ---------------------------------------------------------------- */

static void
on_column_view_activate_cb (GtkColumnView *view,
                            guint          position,
                            gpointer       user_data)
{
  SwarmAgentTable *self = user_data;
  g_autoptr(SwarmAgent) agent = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

  if (agent != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.view-agent", "s",
                                swarm_agent_get_id (agent));
}

static void
swarm_agent_table_dispose (GObject *object)
{
  SwarmAgentTable *self = SWARM_AGENT_TABLE (object);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  stop_fill (self);
  if (self->column_view != NULL)
    gtk_column_view_set_model (self->column_view, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SWARM_TYPE_AGENT_TABLE);
  self->column_view = NULL;

  g_clear_object (&self->selection);
  g_clear_object (&self->slice);
  g_clear_object (&self->sort_model);
  g_clear_object (&self->filter_model);
  g_clear_object (&self->filter);
  g_clear_object (&self->newest_first);
  g_clear_object (&self->user_sorter);
  g_clear_object (&self->store);
  g_clear_object (&self->history);
  if (self->ticking != NULL)
    g_hash_table_remove_all (self->ticking);
  if (self->action_boxes != NULL)
    g_hash_table_remove_all (self->action_boxes);

  G_OBJECT_CLASS (swarm_agent_table_parent_class)->dispose (object);
}

static void
swarm_agent_table_finalize (GObject *object)
{
  SwarmAgentTable *self = SWARM_AGENT_TABLE (object);

  g_clear_pointer (&self->ticking, g_hash_table_unref);
  g_clear_pointer (&self->action_boxes, g_hash_table_unref);
  g_free (self->search);

  G_OBJECT_CLASS (swarm_agent_table_parent_class)->finalize (object);
}

static void
swarm_agent_table_class_init (SwarmAgentTableClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = swarm_agent_table_dispose;
  object_class->finalize = swarm_agent_table_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "/ui/swarm-agent-table.ui");
  gtk_widget_class_bind_template_child (widget_class, SwarmAgentTable, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, SwarmAgentTable, column_view);
  gtk_widget_class_bind_template_child (widget_class, SwarmAgentTable, name_column);
  gtk_widget_class_bind_template_child (widget_class, SwarmAgentTable, status_column);
  gtk_widget_class_bind_template_child (widget_class, SwarmAgentTable, sandbox_column);
  gtk_widget_class_bind_template_child (widget_class, SwarmAgentTable, task_column);
  gtk_widget_class_bind_template_child (widget_class, SwarmAgentTable, tokens_column);
  gtk_widget_class_bind_template_child (widget_class, SwarmAgentTable, time_column);
  gtk_widget_class_bind_template_child (widget_class, SwarmAgentTable, cost_column);
  gtk_widget_class_bind_template_child (widget_class, SwarmAgentTable, actions_column);

  gtk_widget_class_bind_template_callback (widget_class, on_column_view_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, setup_name_cb);
  gtk_widget_class_bind_template_callback (widget_class, bind_name_cb);
  gtk_widget_class_bind_template_callback_full (widget_class, "unbind_name_cb",
                                                G_CALLBACK (unbind_cell_cb));
  gtk_widget_class_bind_template_callback (widget_class, setup_status_cb);
  gtk_widget_class_bind_template_callback (widget_class, bind_status_cb);
  gtk_widget_class_bind_template_callback_full (widget_class, "unbind_status_cb",
                                                G_CALLBACK (unbind_cell_cb));
  gtk_widget_class_bind_template_callback (widget_class, setup_sandbox_cb);
  gtk_widget_class_bind_template_callback (widget_class, bind_sandbox_cb);
  gtk_widget_class_bind_template_callback_full (widget_class, "unbind_sandbox_cb",
                                                G_CALLBACK (unbind_cell_cb));
  gtk_widget_class_bind_template_callback (widget_class, setup_task_cb);
  gtk_widget_class_bind_template_callback (widget_class, bind_task_cb);
  gtk_widget_class_bind_template_callback_full (widget_class, "unbind_task_cb",
                                                G_CALLBACK (unbind_cell_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "setup_tokens_cb",
                                                G_CALLBACK (setup_number_cb));
  gtk_widget_class_bind_template_callback (widget_class, bind_tokens_cb);
  gtk_widget_class_bind_template_callback_full (widget_class, "unbind_tokens_cb",
                                                G_CALLBACK (unbind_cell_cb));
  gtk_widget_class_bind_template_callback (widget_class, setup_time_cb);
  gtk_widget_class_bind_template_callback (widget_class, bind_time_cb);
  gtk_widget_class_bind_template_callback (widget_class, unbind_time_cb);
  gtk_widget_class_bind_template_callback_full (widget_class, "setup_cost_cb",
                                                G_CALLBACK (setup_number_cb));
  gtk_widget_class_bind_template_callback (widget_class, bind_cost_cb);
  gtk_widget_class_bind_template_callback_full (widget_class, "unbind_cost_cb",
                                                G_CALLBACK (unbind_cell_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "setup_actions_cb",
                                                G_CALLBACK (setup_actions_with_table_cb));
  gtk_widget_class_bind_template_callback (widget_class, bind_actions_cb);
  gtk_widget_class_bind_template_callback (widget_class, unbind_actions_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "agenttable");
}

static void
swarm_agent_table_init (SwarmAgentTable *self)
{
  g_autoptr(GtkMultiSorter) sorter = NULL;
  g_autoptr(GtkNumericSorter) newest_first = NULL;
  GtkSorter *status_sorter;
  GtkSorter *time_sorter;

  self->status_filter = -1;
  self->actions_enabled = TRUE;
  self->ticking = g_hash_table_new (NULL, NULL);
  self->action_boxes = g_hash_table_new (NULL, NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  status_sorter = GTK_SORTER (gtk_custom_sorter_new (compare_status, NULL, NULL));
  gtk_column_view_column_set_sorter (self->status_column, status_sorter);
  g_object_unref (status_sorter);

  self->sort_now_us = g_get_real_time ();
  time_sorter = GTK_SORTER (gtk_custom_sorter_new (compare_time, self, NULL));
  gtk_column_view_column_set_sorter (self->time_column, time_sorter);
  g_object_unref (time_sorter);

  /* The user's column first; among equals, and by default, newest first. */
  newest_first = gtk_numeric_sorter_new (gtk_property_expression_new (SWARM_TYPE_AGENT, NULL,
                                                                      "created-unix-ms"));
  gtk_numeric_sorter_set_sort_order (newest_first, GTK_SORT_DESCENDING);
  self->newest_first = GTK_SORTER (g_steal_pointer (&newest_first));
  sorter = gtk_multi_sorter_new ();
  gtk_multi_sorter_append (sorter, g_object_ref (gtk_column_view_get_sorter (self->column_view)));
  gtk_multi_sorter_append (sorter, g_object_ref (self->newest_first));
  self->user_sorter = GTK_SORTER (g_steal_pointer (&sorter));

  self->filter = gtk_custom_filter_new (filter_func, self, NULL);
  self->filter_model = gtk_filter_list_model_new (NULL, NULL);
  self->sort_model = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (self->filter_model)),
                                              g_object_ref (self->newest_first));
  g_signal_connect_object (gtk_column_view_get_sorter (self->column_view), "changed",
                           G_CALLBACK (on_column_sorter_changed_cb), self, 0);
  self->slice = gtk_slice_list_model_new (G_LIST_MODEL (g_object_ref (self->sort_model)), 0, G_MAXUINT);
  self->selection = gtk_single_selection_new (G_LIST_MODEL (g_object_ref (self->slice)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));
}

GtkWidget *
swarm_agent_table_new (void)
{
  return g_object_new (SWARM_TYPE_AGENT_TABLE, NULL);
}

void
swarm_agent_table_set_store (SwarmAgentTable *self,
                             SwarmAgentStore *store)
{
  g_return_if_fail (SWARM_IS_AGENT_TABLE (self));
  g_return_if_fail (!store || SWARM_IS_AGENT_STORE (store));

  if (!g_set_object (&self->store, store))
    return;

  update_model (self);
}

/**
 * swarm_agent_table_set_history:
 * @history: (nullable): the destroyed agents, shown after the store's
 *   when swarm_agent_table_set_show_history() says so
 */
void
swarm_agent_table_set_history (SwarmAgentTable *self,
                               GListModel      *history)
{
  g_return_if_fail (SWARM_IS_AGENT_TABLE (self));
  g_return_if_fail (!history || G_IS_LIST_MODEL (history));

  if (!g_set_object (&self->history, history))
    return;

  update_model (self);
}

void
swarm_agent_table_set_show_history (SwarmAgentTable *self,
                                    gboolean         show)
{
  g_return_if_fail (SWARM_IS_AGENT_TABLE (self));

  if (self->show_history == !!show)
    return;

  self->show_history = !!show;
  update_model (self);
}

/**
 * swarm_agent_table_set_search:
 * @text: (nullable): what to look for in names, tasks and sandbox ids
 */
void
swarm_agent_table_set_search (SwarmAgentTable *self,
                              const char      *text)
{
  g_autofree char *folded = NULL;
  g_autofree char *stripped = NULL;
  GtkFilterChange change = GTK_FILTER_CHANGE_DIFFERENT;

  g_return_if_fail (SWARM_IS_AGENT_TABLE (self));

  stripped = g_strstrip (g_strdup (text != NULL ? text : ""));
  if (*stripped != '\0')
    folded = g_utf8_casefold (stripped, -1);

  if (g_strcmp0 (folded, self->search) == 0)
    return;

  /* Typing more only hides rows; deleting only shows rows. */
  if (self->search != NULL && folded != NULL && strstr (folded, self->search) != NULL)
    change = GTK_FILTER_CHANGE_MORE_STRICT;
  else if (self->search != NULL && (folded == NULL || strstr (self->search, folded) != NULL))
    change = GTK_FILTER_CHANGE_LESS_STRICT;

  g_free (self->search);
  self->search = g_steal_pointer (&folded);
  update_filter (self, change);
}

/**
 * swarm_agent_table_set_status_filter:
 * @status: a #SwarmAgentStatus, or -1 for every status
 */
void
swarm_agent_table_set_status_filter (SwarmAgentTable *self,
                                     int              status)
{
  g_return_if_fail (SWARM_IS_AGENT_TABLE (self));
  g_return_if_fail (status >= -1 && status <= SWARM_AGENT_STATUS_FAILED);

  if (self->status_filter == status)
    return;

  self->status_filter = status;
  update_filter (self, GTK_FILTER_CHANGE_DIFFERENT);
}

int
swarm_agent_table_get_status_filter (SwarmAgentTable *self)
{
  g_return_val_if_fail (SWARM_IS_AGENT_TABLE (self), -1);

  return self->status_filter;
}

/**
 * swarm_agent_table_store_changed:
 * @diff: what a refresh changed in the store
 *
 * Re-filters and re-sorts, once each, only when the shown rows or their
 * order can depend on what changed.  Under the default order (newest
 * first) an update in place needs neither.
 */
void
swarm_agent_table_store_changed (SwarmAgentTable      *self,
                                 const SwarmStoreDiff *diff)
{
  const SwarmAgentChange shown = SWARM_AGENT_CHANGE_NAME | SWARM_AGENT_CHANGE_STATUS |
                                 SWARM_AGENT_CHANGE_SANDBOX | SWARM_AGENT_CHANGE_TASK |
                                 SWARM_AGENT_CHANGE_TOKENS | SWARM_AGENT_CHANGE_TIME |
                                 SWARM_AGENT_CHANGE_COST;
  const SwarmAgentChange searched = SWARM_AGENT_CHANGE_NAME | SWARM_AGENT_CHANGE_TASK |
                                    SWARM_AGENT_CHANGE_SANDBOX;
  GtkSorter *column_sorter;

  g_return_if_fail (SWARM_IS_AGENT_TABLE (self));
  g_return_if_fail (diff != NULL);

  if ((self->status_filter >= 0 && (diff->changes & SWARM_AGENT_CHANGE_STATUS)) ||
      (self->search != NULL && (diff->changes & searched)))
    update_filter (self, GTK_FILTER_CHANGE_DIFFERENT);

  /* Running agents' time moves on at every refresh, even if nothing changed. */
  self->sort_now_us = g_get_real_time ();

  column_sorter = gtk_column_view_get_sorter (self->column_view);
  if (gtk_sorter_get_order (column_sorter) != GTK_SORTER_ORDER_NONE &&
      ((diff->changes & shown) || self->time_sorted))
    {
      self->time_sorted = FALSE;
      gtk_sorter_changed (column_sorter, GTK_SORTER_CHANGE_DIFFERENT);
    }
}

/**
 * swarm_agent_table_get_selected:
 *
 * Returns: (transfer none) (nullable): the selected agent
 */
SwarmAgent *
swarm_agent_table_get_selected (SwarmAgentTable *self)
{
  g_return_val_if_fail (SWARM_IS_AGENT_TABLE (self), NULL);

  return gtk_single_selection_get_selected_item (self->selection);
}

/**
 * swarm_agent_table_get_visible_model:
 *
 * Returns: (transfer none): the rows as shown: filtered and sorted
 */
GListModel *
swarm_agent_table_get_visible_model (SwarmAgentTable *self)
{
  g_return_val_if_fail (SWARM_IS_AGENT_TABLE (self), NULL);

  return G_LIST_MODEL (self->sort_model);
}

GtkColumnView *
swarm_agent_table_get_column_view (SwarmAgentTable *self)
{
  g_return_val_if_fail (SWARM_IS_AGENT_TABLE (self), NULL);

  return self->column_view;
}

/**
 * swarm_agent_table_get_sort:
 * @column_id: (out): the sort column's id
 * @descending: (out): its order
 *
 * GTK 4.8 cannot tell which column the user sorted by (the
 * GtkColumnViewSorter getters are 4.10), so there this always returns
 * %FALSE and the default order is used at the next start.
 *
 * Returns: %TRUE if the table is sorted by a column
 */
gboolean
swarm_agent_table_get_sort (SwarmAgentTable  *self,
                            char            **column_id,
                            gboolean         *descending)
{
  g_return_val_if_fail (SWARM_IS_AGENT_TABLE (self), FALSE);

#if GTK_CHECK_VERSION (4, 10, 0)
  {
    GtkColumnViewSorter *sorter = GTK_COLUMN_VIEW_SORTER (gtk_column_view_get_sorter (self->column_view));
    GtkColumnViewColumn *column = gtk_column_view_sorter_get_primary_sort_column (sorter);

    for (guint i = 0; column != NULL && i < G_N_ELEMENTS (column_ids); i++)
      {
        if (COLUMN_AT (self, i) == column)
          {
            *column_id = g_strdup (column_ids[i].id);
            *descending = gtk_column_view_sorter_get_primary_sort_order (sorter) == GTK_SORT_DESCENDING;
            return TRUE;
          }
      }
  }
#endif

  *column_id = NULL;
  *descending = FALSE;
  return FALSE;
}

void
swarm_agent_table_set_sort (SwarmAgentTable *self,
                            const char      *column_id,
                            gboolean         descending)
{
  g_return_if_fail (SWARM_IS_AGENT_TABLE (self));

  for (guint i = 0; column_id != NULL && i < G_N_ELEMENTS (column_ids); i++)
    {
      if (g_strcmp0 (column_ids[i].id, column_id) == 0)
        {
          gtk_column_view_sort_by_column (self->column_view, COLUMN_AT (self, i),
                                          descending ? GTK_SORT_DESCENDING : GTK_SORT_ASCENDING);
          return;
        }
    }

  gtk_column_view_sort_by_column (self->column_view, NULL, GTK_SORT_ASCENDING);
}

/**
 * swarm_agent_table_set_actions_enabled:
 *
 * Makes the row actions that need the backend (terminate, destroy)
 * sensitive or not.
 */
void
swarm_agent_table_set_actions_enabled (SwarmAgentTable *self,
                                       gboolean         enabled)
{
  GHashTableIter iter;
  gpointer box;

  g_return_if_fail (SWARM_IS_AGENT_TABLE (self));

  if (self->actions_enabled == !!enabled)
    return;

  self->actions_enabled = !!enabled;

  g_hash_table_iter_init (&iter, self->action_boxes);
  while (g_hash_table_iter_next (&iter, &box, NULL))
    {
      SwarmAgent *agent = g_object_get_data (box, "swarm-agent");

      if (agent != NULL)
        update_actions (agent, NULL, box);
    }
}
