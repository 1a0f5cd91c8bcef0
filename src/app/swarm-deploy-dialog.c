/* swarm-deploy-dialog.c — the form that deploys an agent
 *
 * Every field is checked as it is typed, with the rules the daemon applies
 * (swarm-deploy-request.c); a field's message appears once it has been
 * edited, and Deploy stays insensitive until everything is valid.  While
 * the request is out the form is insensitive and a spinner turns.  A
 * failure keeps the dialog open with the server's sentence on the field it
 * names (or above the form), and nothing typed is lost.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarm-deploy-dialog"

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <glib/gi18n.h>

#include "swarm-deploy-dialog.h"
#include "swarm-env-row.h"

/* Field indexes are SwarmDeployError codes (NAME … MAX_COST). */
#define N_FIELDS (SWARM_DEPLOY_ERROR_SANDBOX_DRIVER + 1)

enum {
  TYPE_CUSTOM = 4,
  TEMPLATE_OTHER = 4,
};

static const char * const type_ids[] = { "researcher", "coder", "analyst", "tester" };
static const char * const template_ids[] = { "base", "nodejs", "python", "react" };

struct _SwarmDeployDialog
{
  AdwWindow             parent_instance;

  /* template children */
  GtkButton            *deploy_button;
  GtkSpinner           *spinner;
  GtkRevealer          *error_revealer;
  GtkLabel             *error_label;
  GtkScrolledWindow    *scrolled_window;
  GtkWidget            *form;
  AdwEntryRow          *name_row;
  AdwComboRow          *type_row;
  AdwEntryRow          *custom_type_row;
  AdwComboRow          *template_row;
  AdwEntryRow          *custom_template_row;
  GtkLabel             *name_error;
  GtkLabel             *type_error;
  GtkLabel             *template_error;
  GtkTextView          *task_view;
  GtkLabel             *task_error;
  GtkLabel             *task_counter;
  AdwPreferencesGroup  *env_group;
  GtkLabel             *env_error;
  AdwEntryRow          *capabilities_row;
  GtkSpinButton        *timeout_spin;
  AdwExpanderRow       *advanced_row;
  AdwEntryRow          *model_row;
  AdwEntryRow          *max_steps_row;
  AdwEntryRow          *max_cost_row;
  GtkLabel             *options_error;

  SwarmClient          *client;       /* (owned) */
  GCancellable         *cancellable;  /* (owned) (nullable): the deploy in flight */
  GPtrArray            *env_rows;     /* (element-type SwarmEnvRow) (unowned: in env_group) */
  gboolean              touched[N_FIELDS];
  char                 *server_error[N_FIELDS];
  gboolean              attempted;
  gboolean              valid;
};

G_DEFINE_FINAL_TYPE (SwarmDeployDialog, swarm_deploy_dialog, ADW_TYPE_WINDOW)

enum {
  DEPLOYED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void validate (SwarmDeployDialog *self);

/* Reading the form -------------------------------------------------------- */

static char *
get_task_text (SwarmDeployDialog *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->task_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static const char *
entry_text (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

/* Parses a decimal typed with a dot or a comma; FALSE if it is not one. */
static gboolean
parse_decimal (const char *text,
               double     *value)
{
  g_autofree char *copy = g_strstrip (g_strdup (text));
  char *end = NULL;

  g_strdelimit (copy, ",", '.');
  *value = g_ascii_strtod (copy, &end);
  return *copy != '\0' && end != NULL && *end == '\0';
}

/**
 * swarm_deploy_dialog_get_request:
 *
 * Returns: (transfer full): the request the form describes, unvalidated
 */
SwarmDeployRequest *
swarm_deploy_dialog_get_request (SwarmDeployDialog *self)
{
  g_autoptr(SwarmDeployRequest) request = swarm_deploy_request_new ();
  guint type = adw_combo_row_get_selected (self->type_row);
  guint template = adw_combo_row_get_selected (self->template_row);
  g_autofree char *model = NULL;
  double number = 0;

  g_return_val_if_fail (SWARM_IS_DEPLOY_DIALOG (self), NULL);

  request->name = g_strdup (entry_text (self->name_row));
  request->agent_type = g_strdup (type < TYPE_CUSTOM ? type_ids[type] : entry_text (self->custom_type_row));
  request->task_description = get_task_text (self);
  swarm_set_str (&request->template_id,
                 template < TEMPLATE_OTHER ? template_ids[template] : entry_text (self->custom_template_row));

  for (guint i = 0; i < self->env_rows->len; i++)
    {
      SwarmEnvRow *row = g_ptr_array_index (self->env_rows, i);

      /* A row left completely empty is not a variable. */
      if (*swarm_env_row_get_key (row) == '\0' && *swarm_env_row_get_value (row) == '\0')
        continue;

      swarm_deploy_request_add_env (request, swarm_env_row_get_key (row),
                                    swarm_env_row_get_value (row));
    }

  request->capabilities = swarm_deploy_split_capabilities (entry_text (self->capabilities_row));
  request->timeout = gtk_spin_button_get_value_as_int (self->timeout_spin);

  model = g_strstrip (g_strdup (entry_text (self->model_row)));
  if (*model != '\0')
    request->model = g_steal_pointer (&model);

  /* Text that is not a number is reported by validate(); here it is unset. */
  if (parse_decimal (entry_text (self->max_steps_row), &number) && number == (gint64) number)
    request->max_steps = (gint64) number;
  if (parse_decimal (entry_text (self->max_cost_row), &number))
    request->max_cost_usd = number;

  return g_steal_pointer (&request);
}

/* Validation --------------------------------------------------------------- */

static void
set_row_error (GtkWidget *row,
               gboolean   error)
{
  if (error)
    gtk_widget_add_css_class (row, "error");
  else
    gtk_widget_remove_css_class (row, "error");
}

static void
show_message (GtkLabel   *label,
              const char *message)
{
  gtk_label_set_text (label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), message != NULL);
}

static char *
take_message (GError **error)
{
  char *message;

  if (*error == NULL)
    return NULL;

  message = g_strdup ((*error)->message);
  g_clear_error (error);
  return message;
}

/* The message shown for @field: the server's, until the field is edited
 * again, else the local rule's once the user has touched the field. */
static const char *
shown_message (SwarmDeployDialog *self,
               int                field,
               const char        *local)
{
  if (self->server_error[field] != NULL)
    return self->server_error[field];

  if (self->touched[field] || self->attempted)
    return local;

  return NULL;
}

static void
validate (SwarmDeployDialog *self)
{
  g_autoptr(SwarmDeployRequest) request = swarm_deploy_dialog_get_request (self);
  char *messages[N_FIELDS] = { NULL, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) keys = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GString) options = g_string_new (NULL);
  g_autofree char *counter = NULL;
  gboolean valid = TRUE;
  guint n_vars = 0;
  glong task_chars;

  swarm_deploy_validate_name (request->name, &error);
  messages[SWARM_DEPLOY_ERROR_NAME] = take_message (&error);
  swarm_deploy_validate_agent_type (request->agent_type, &error);
  messages[SWARM_DEPLOY_ERROR_AGENT_TYPE] = take_message (&error);
  swarm_deploy_validate_task (request->task_description, &error);
  messages[SWARM_DEPLOY_ERROR_TASK] = take_message (&error);
  swarm_deploy_validate_template (request->template_id, &error);
  messages[SWARM_DEPLOY_ERROR_TEMPLATE] = take_message (&error);

  /* Environment: each row on its own, then duplicates and the count. */
  for (guint i = 0; i < self->env_rows->len; i++)
    {
      SwarmEnvRow *row = g_ptr_array_index (self->env_rows, i);
      const char *key = swarm_env_row_get_key (row);
      gboolean row_bad = FALSE;

      if (*key == '\0' && *swarm_env_row_get_value (row) == '\0')
        {
          swarm_env_row_set_error (row, FALSE);
          continue;
        }

      n_vars++;
      if (!swarm_deploy_validate_env_key (key, &error) ||
          !swarm_deploy_validate_env_value (key, swarm_env_row_get_value (row), &error))
        row_bad = TRUE;
      else if (!g_hash_table_add (keys, (gpointer) key))
        {
          g_set_error (&error, SWARM_DEPLOY_ERROR, SWARM_DEPLOY_ERROR_ENVIRONMENT,
                       _("The variable %s is set twice."), key);
          row_bad = TRUE;
        }

      swarm_env_row_set_error (row,
                               row_bad && (self->touched[SWARM_DEPLOY_ERROR_ENVIRONMENT] || self->attempted));
      if (messages[SWARM_DEPLOY_ERROR_ENVIRONMENT] == NULL)
        messages[SWARM_DEPLOY_ERROR_ENVIRONMENT] = take_message (&error);
      g_clear_error (&error);
    }
  if (n_vars > SWARM_DEPLOY_ENV_MAX && messages[SWARM_DEPLOY_ERROR_ENVIRONMENT] == NULL)
    messages[SWARM_DEPLOY_ERROR_ENVIRONMENT] =
      g_strdup_printf (_("At most %d environment variables can be set."), SWARM_DEPLOY_ENV_MAX);

  /* Capabilities, through the whole-request rule (duplicates, count). */
  {
    g_autoptr(SwarmDeployRequest) caps_only = swarm_deploy_request_new ();

    caps_only->name = g_strdup ("x");
    caps_only->agent_type = g_strdup ("coder");
    caps_only->task_description = g_strdup ("x");
    caps_only->capabilities = g_strdupv (request->capabilities);
    swarm_deploy_request_validate (caps_only, &error);
    messages[SWARM_DEPLOY_ERROR_CAPABILITIES] = take_message (&error);
  }

  swarm_deploy_validate_timeout (request->timeout, &error);
  messages[SWARM_DEPLOY_ERROR_TIMEOUT] = take_message (&error);
  swarm_deploy_validate_model (request->model, &error);
  messages[SWARM_DEPLOY_ERROR_MODEL] = take_message (&error);

  {
    g_autofree char *steps = g_strstrip (g_strdup (entry_text (self->max_steps_row)));
    double value = 0;

    if (*steps != '\0' && (!parse_decimal (steps, &value) || value != (gint64) value || value < 1))
      messages[SWARM_DEPLOY_ERROR_MAX_STEPS] =
        g_strdup_printf (_("The step limit must be a whole number between 1 and %d."),
                         SWARM_DEPLOY_MAX_STEPS_MAX);
    else if (!swarm_deploy_validate_max_steps ((gint64) value, &error))
      messages[SWARM_DEPLOY_ERROR_MAX_STEPS] = take_message (&error);
  }

  {
    g_autofree char *cost = g_strstrip (g_strdup (entry_text (self->max_cost_row)));
    double value = 0;

    if (*cost != '\0' && (!parse_decimal (cost, &value) || value <= 0))
      messages[SWARM_DEPLOY_ERROR_MAX_COST] =
        g_strdup_printf (_("The cost limit must be an amount such as 0.50, at most %.0f."),
                         SWARM_DEPLOY_MAX_COST_MAX);
    else if (!swarm_deploy_validate_max_cost (value, &error))
      messages[SWARM_DEPLOY_ERROR_MAX_COST] = take_message (&error);
  }

  for (int field = SWARM_DEPLOY_ERROR_NAME; field < N_FIELDS; field++)
    valid &= messages[field] == NULL;

  /* Show what applies. */
  show_message (self->name_error,
                shown_message (self, SWARM_DEPLOY_ERROR_NAME, messages[SWARM_DEPLOY_ERROR_NAME]));
  set_row_error (GTK_WIDGET (self->name_row),
                 gtk_widget_get_visible (GTK_WIDGET (self->name_error)));

  show_message (self->type_error, shown_message (self, SWARM_DEPLOY_ERROR_AGENT_TYPE,
                                                 messages[SWARM_DEPLOY_ERROR_AGENT_TYPE]));
  set_row_error (GTK_WIDGET (self->custom_type_row),
                 gtk_widget_get_visible (GTK_WIDGET (self->type_error)));

  show_message (self->template_error, shown_message (self, SWARM_DEPLOY_ERROR_TEMPLATE,
                                                     messages[SWARM_DEPLOY_ERROR_TEMPLATE]));
  set_row_error (GTK_WIDGET (self->custom_template_row),
                 gtk_widget_get_visible (GTK_WIDGET (self->template_error)));

  show_message (self->task_error,
                shown_message (self, SWARM_DEPLOY_ERROR_TASK, messages[SWARM_DEPLOY_ERROR_TASK]));
  if (gtk_widget_get_visible (GTK_WIDGET (self->task_error)))
    gtk_widget_add_css_class (gtk_widget_get_parent (gtk_widget_get_parent (GTK_WIDGET (self->task_view))),
                              "error");
  else
    gtk_widget_remove_css_class (gtk_widget_get_parent (gtk_widget_get_parent (GTK_WIDGET (self->task_view))),
                                 "error");

  task_chars = g_utf8_strlen (request->task_description, -1);
  counter = g_strdup_printf ("%ld / %d", task_chars, SWARM_DEPLOY_TASK_MAX);
  gtk_label_set_text (self->task_counter, counter);

  show_message (self->env_error, shown_message (self, SWARM_DEPLOY_ERROR_ENVIRONMENT,
                                                messages[SWARM_DEPLOY_ERROR_ENVIRONMENT]));

  for (int field = SWARM_DEPLOY_ERROR_CAPABILITIES; field <= SWARM_DEPLOY_ERROR_MAX_COST; field++)
    {
      const char *message = shown_message (self, field, messages[field]);

      if (message == NULL)
        continue;
      if (options->len > 0)
        g_string_append_c (options, '\n');
      g_string_append (options, message);
    }
  show_message (self->options_error, options->len > 0 ? options->str : NULL);
  set_row_error (GTK_WIDGET (self->capabilities_row),
                 shown_message (self, SWARM_DEPLOY_ERROR_CAPABILITIES,
                                messages[SWARM_DEPLOY_ERROR_CAPABILITIES]) != NULL);
  set_row_error (GTK_WIDGET (self->model_row),
                 shown_message (self, SWARM_DEPLOY_ERROR_MODEL,
                                messages[SWARM_DEPLOY_ERROR_MODEL]) != NULL);
  set_row_error (GTK_WIDGET (self->max_steps_row),
                 shown_message (self, SWARM_DEPLOY_ERROR_MAX_STEPS,
                                messages[SWARM_DEPLOY_ERROR_MAX_STEPS]) != NULL);
  set_row_error (GTK_WIDGET (self->max_cost_row),
                 shown_message (self, SWARM_DEPLOY_ERROR_MAX_COST,
                                messages[SWARM_DEPLOY_ERROR_MAX_COST]) != NULL);

  /* An error the server named keeps Deploy off until that field changes. */
  for (int field = 0; field < N_FIELDS; field++)
    valid &= self->server_error[field] == NULL;

  self->valid = valid;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "dialog.deploy",
                                 valid && self->cancellable == NULL);

  for (int field = 0; field < N_FIELDS; field++)
    g_free (messages[field]);
}

static void
touch (SwarmDeployDialog *self,
       int                field)
{
  self->touched[field] = TRUE;
  g_clear_pointer (&self->server_error[field], g_free);
}

/* Callbacks --------------------------------------------------------------- */

static void
on_field_changed_cb (SwarmDeployDialog *self,
                     GtkWidget         *source)
{
  if (source == GTK_WIDGET (self->name_row))
    touch (self, SWARM_DEPLOY_ERROR_NAME);
  else if (source == GTK_WIDGET (self->custom_type_row))
    touch (self, SWARM_DEPLOY_ERROR_AGENT_TYPE);
  else if (source == GTK_WIDGET (self->custom_template_row))
    touch (self, SWARM_DEPLOY_ERROR_TEMPLATE);
  else if (source == GTK_WIDGET (self->capabilities_row))
    touch (self, SWARM_DEPLOY_ERROR_CAPABILITIES);
  else if (source == GTK_WIDGET (self->timeout_spin))
    touch (self, SWARM_DEPLOY_ERROR_TIMEOUT);
  else if (source == GTK_WIDGET (self->model_row))
    touch (self, SWARM_DEPLOY_ERROR_MODEL);
  else if (source == GTK_WIDGET (self->max_steps_row))
    touch (self, SWARM_DEPLOY_ERROR_MAX_STEPS);
  else if (source == GTK_WIDGET (self->max_cost_row))
    touch (self, SWARM_DEPLOY_ERROR_MAX_COST);

  validate (self);
}

static void
on_task_changed_cb (SwarmDeployDialog *self)
{
  touch (self, SWARM_DEPLOY_ERROR_TASK);
  validate (self);
}

static void
on_combo_changed_cb (SwarmDeployDialog *self,
                     GParamSpec        *pspec,
                     AdwComboRow       *row)
{
  if (row == self->type_row)
    {
      gboolean custom = adw_combo_row_get_selected (row) == TYPE_CUSTOM;

      gtk_widget_set_visible (GTK_WIDGET (self->custom_type_row), custom);
      g_clear_pointer (&self->server_error[SWARM_DEPLOY_ERROR_AGENT_TYPE], g_free);
      if (custom && gtk_widget_get_mapped (GTK_WIDGET (self)))
        gtk_widget_grab_focus (GTK_WIDGET (self->custom_type_row));
    }
  else
    {
      gboolean other = adw_combo_row_get_selected (row) == TEMPLATE_OTHER;

      gtk_widget_set_visible (GTK_WIDGET (self->custom_template_row), other);
      g_clear_pointer (&self->server_error[SWARM_DEPLOY_ERROR_TEMPLATE], g_free);
      if (other && gtk_widget_get_mapped (GTK_WIDGET (self)))
        gtk_widget_grab_focus (GTK_WIDGET (self->custom_template_row));
    }

  validate (self);
}

static void
on_env_row_changed_cb (SwarmDeployDialog *self)
{
  touch (self, SWARM_DEPLOY_ERROR_ENVIRONMENT);
  validate (self);
}

static void
on_env_row_remove_cb (SwarmDeployDialog *self,
                      SwarmEnvRow       *row)
{
  g_ptr_array_remove (self->env_rows, row);
  adw_preferences_group_remove (self->env_group, GTK_WIDGET (row));
  touch (self, SWARM_DEPLOY_ERROR_ENVIRONMENT);
  validate (self);
}

static SwarmEnvRow *
add_env_row (SwarmDeployDialog *self)
{
  SwarmEnvRow *row = SWARM_ENV_ROW (swarm_env_row_new ());

  g_signal_connect_object (row, "changed", G_CALLBACK (on_env_row_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (row, "remove", G_CALLBACK (on_env_row_remove_cb), self,
                           G_CONNECT_SWAPPED);
  adw_preferences_group_add (self->env_group, GTK_WIDGET (row));
  g_ptr_array_add (self->env_rows, row);

  return row;
}

static void
add_variable_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  SwarmDeployDialog *self = SWARM_DEPLOY_DIALOG (widget);
  SwarmEnvRow *row = add_env_row (self);

  swarm_env_row_focus_key (row);
  validate (self);
}

static void
on_entry_activated_cb (SwarmDeployDialog *self)
{
  if (self->valid && self->cancellable == NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "dialog.deploy", NULL);
}

/* Deploying ---------------------------------------------------------------- */

static void
set_sending (SwarmDeployDialog *self,
             gboolean           sending)
{
  gtk_widget_set_sensitive (self->form, !sending);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), sending);
  gtk_spinner_set_spinning (self->spinner, sending);
  gtk_button_set_label (self->deploy_button, sending ? _("Deploying…") : _("_Deploy"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "dialog.deploy", !sending && self->valid);
}

static GtkWidget *
widget_for_field (SwarmDeployDialog *self,
                  int                field)
{
  switch (field)
    {
    case SWARM_DEPLOY_ERROR_NAME:
      return GTK_WIDGET (self->name_row);
    case SWARM_DEPLOY_ERROR_AGENT_TYPE:
      return adw_combo_row_get_selected (self->type_row) == TYPE_CUSTOM
             ? GTK_WIDGET (self->custom_type_row) : GTK_WIDGET (self->type_row);
    case SWARM_DEPLOY_ERROR_TASK:
      return GTK_WIDGET (self->task_view);
    case SWARM_DEPLOY_ERROR_TEMPLATE:
      return adw_combo_row_get_selected (self->template_row) == TEMPLATE_OTHER
             ? GTK_WIDGET (self->custom_template_row) : GTK_WIDGET (self->template_row);
    case SWARM_DEPLOY_ERROR_ENVIRONMENT:
      return self->env_rows->len > 0 ? g_ptr_array_index (self->env_rows, 0) : NULL;
    case SWARM_DEPLOY_ERROR_CAPABILITIES:
      return GTK_WIDGET (self->capabilities_row);
    case SWARM_DEPLOY_ERROR_TIMEOUT:
      return GTK_WIDGET (self->timeout_spin);
    case SWARM_DEPLOY_ERROR_MODEL:
    case SWARM_DEPLOY_ERROR_MAX_STEPS:
    case SWARM_DEPLOY_ERROR_MAX_COST:
      adw_expander_row_set_expanded (self->advanced_row, TRUE);
      return field == SWARM_DEPLOY_ERROR_MODEL ? GTK_WIDGET (self->model_row)
           : field == SWARM_DEPLOY_ERROR_MAX_STEPS ? GTK_WIDGET (self->max_steps_row)
           : GTK_WIDGET (self->max_cost_row);
    default:
      return NULL;
    }
}

static void
show_general_error (SwarmDeployDialog *self,
                    const char        *message)
{
  gtk_label_set_text (self->error_label, message);
  gtk_revealer_set_reveal_child (self->error_revealer, message != NULL);
}

static void
deploy_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(SwarmDeployDialog) self = user_data;
  g_autoptr(SwarmDeployResult) deployed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *field = NULL;
  SwarmDeployError code;

  deployed = swarm_client_deploy_finish (SWARM_CLIENT (object), result, &field, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_object (&self->cancellable);
  set_sending (self, FALSE);

  if (deployed == NULL)
    {
      GtkWidget *target;

      g_debug ("Deploy failed: %s", error->message);

      if (field == NULL && g_error_matches (error, SWARM_CLIENT_ERROR,
                                            SWARM_CLIENT_ERROR_NAME_TAKEN))
        field = g_strdup ("agent_name");
      if (field == NULL && g_error_matches (error, SWARM_CLIENT_ERROR,
                                            SWARM_CLIENT_ERROR_TEMPLATE_UNAVAILABLE))
        field = g_strdup ("template");

      if (field != NULL && swarm_deploy_error_from_field (field, &code))
        {
          g_free (self->server_error[code]);
          self->server_error[code] = g_strdup (error->message);
          show_general_error (self, NULL);
          validate (self);

          target = widget_for_field (self, code);
          if (target != NULL)
            gtk_widget_grab_focus (target);
        }
      else
        {
          show_general_error (self, error->message);
        }
      return;
    }

  {
    g_autoptr(SwarmDeployRequest) request = swarm_deploy_dialog_get_request (self);
    g_autoptr(SwarmAgent) agent = swarm_deploy_request_make_agent (request, deployed);

    g_signal_emit (self, signals[DEPLOYED], 0, agent);
  }

  gtk_window_close (GTK_WINDOW (self));
}

static void
deploy_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SwarmDeployDialog *self = SWARM_DEPLOY_DIALOG (widget);
  g_autoptr(SwarmDeployRequest) request = NULL;

  self->attempted = TRUE;
  validate (self);
  if (!self->valid || self->cancellable != NULL)
    return;

  request = swarm_deploy_dialog_get_request (self);
  show_general_error (self, NULL);
  self->cancellable = g_cancellable_new ();
  set_sending (self, TRUE);

  swarm_client_deploy_async (self->client, request, self->cancellable, deploy_cb,
                             g_object_ref (self));
}

/* Object -------------------------------------------------------------------- */

static gboolean
swarm_deploy_dialog_close_request (GtkWindow *window)
{
  SwarmDeployDialog *self = SWARM_DEPLOY_DIALOG (window);

  g_cancellable_cancel (self->cancellable);

  return GTK_WINDOW_CLASS (swarm_deploy_dialog_parent_class)->close_request (window);
}

static void
swarm_deploy_dialog_dispose (GObject *object)
{
  SwarmDeployDialog *self = SWARM_DEPLOY_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (swarm_deploy_dialog_parent_class)->dispose (object);
}

static void
swarm_deploy_dialog_finalize (GObject *object)
{
  SwarmDeployDialog *self = SWARM_DEPLOY_DIALOG (object);

  g_ptr_array_unref (self->env_rows);
  for (int i = 0; i < N_FIELDS; i++)
    g_free (self->server_error[i]);

  G_OBJECT_CLASS (swarm_deploy_dialog_parent_class)->finalize (object);
}

static void
swarm_deploy_dialog_class_init (SwarmDeployDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = swarm_deploy_dialog_dispose;
  object_class->finalize = swarm_deploy_dialog_finalize;
  window_class->close_request = swarm_deploy_dialog_close_request;

  /**
   * SwarmDeployDialog::deployed:
   * @agent: the new agent, pending, as the table should show it at once
   *
   * The backend accepted the deploy; the dialog closes next.
   */
  signals[DEPLOYED] = g_signal_new ("deployed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 1, SWARM_TYPE_AGENT);

  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_DIALOG);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "/ui/swarm-deploy-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, SwarmDeployDialog, deploy_button);
  gtk_widget_class_bind_template_child (widget_class, SwarmDeployDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, SwarmDeployDialog, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, SwarmDeployDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, SwarmDeployDialog, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, SwarmDeployDialog, form);
  gtk_widget_class_bind_template_child (widget_class, SwarmDeployDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, SwarmDeployDialog, type_row);
  gtk_widget_class_bind_template_child (widget_class, SwarmDeployDialog, custom_type_row);
  gtk_widget_class_bind_template_child (widget_class, SwarmDeployDialog, template_row);
  gtk_widget_class_bind_template_child (widget_class, SwarmDeployDialog, custom_template_row);
  gtk_widget_class_bind_template_child (widget_class, SwarmDeployDialog, name_error);
  gtk_widget_class_bind_template_child (widget_class, SwarmDeployDialog, type_error);
  gtk_widget_class_bind_template_child (widget_class, SwarmDeployDialog, template_error);
  gtk_widget_class_bind_template_child (widget_class, SwarmDeployDialog, task_view);
  gtk_widget_class_bind_template_child (widget_class, SwarmDeployDialog, task_error);
  gtk_widget_class_bind_template_child (widget_class, SwarmDeployDialog, task_counter);
  gtk_widget_class_bind_template_child (widget_class, SwarmDeployDialog, env_group);
  gtk_widget_class_bind_template_child (widget_class, SwarmDeployDialog, env_error);
  gtk_widget_class_bind_template_child (widget_class, SwarmDeployDialog, capabilities_row);
  gtk_widget_class_bind_template_child (widget_class, SwarmDeployDialog, timeout_spin);
  gtk_widget_class_bind_template_child (widget_class, SwarmDeployDialog, advanced_row);
  gtk_widget_class_bind_template_child (widget_class, SwarmDeployDialog, model_row);
  gtk_widget_class_bind_template_child (widget_class, SwarmDeployDialog, max_steps_row);
  gtk_widget_class_bind_template_child (widget_class, SwarmDeployDialog, max_cost_row);
  gtk_widget_class_bind_template_child (widget_class, SwarmDeployDialog, options_error);
  gtk_widget_class_bind_template_callback (widget_class, on_field_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_combo_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activated_cb);

  gtk_widget_class_install_action (widget_class, "dialog.deploy", NULL, deploy_action);
  gtk_widget_class_install_action (widget_class, "dialog.add-variable", NULL, add_variable_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "dialog.deploy", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK,
                                       "dialog.deploy", NULL);
}

static void
swarm_deploy_dialog_init (SwarmDeployDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->env_rows = g_ptr_array_new ();
  g_signal_connect_object (gtk_text_view_get_buffer (self->task_view), "changed",
                           G_CALLBACK (on_task_changed_cb), self, G_CONNECT_SWAPPED);

  /* Validation on a fresh form: nothing touched, so no messages, but the
   * Deploy button learns it is off. */
  validate (self);
}

/**
 * swarm_deploy_dialog_new:
 * @parent: the window the dialog is modal for
 * @client: the backend to deploy to
 */
SwarmDeployDialog *
swarm_deploy_dialog_new (GtkWindow   *parent,
                         SwarmClient *client)
{
  SwarmDeployDialog *self;

  g_return_val_if_fail (!parent || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (SWARM_IS_CLIENT (client), NULL);

  self = g_object_new (SWARM_TYPE_DEPLOY_DIALOG,
                       "transient-for", parent,
                       NULL);
  self->client = g_object_ref (client);
  gtk_widget_grab_focus (GTK_WIDGET (self->name_row));

  return self;
}

gboolean
swarm_deploy_dialog_is_valid (SwarmDeployDialog *self)
{
  g_return_val_if_fail (SWARM_IS_DEPLOY_DIALOG (self), FALSE);

  return self->valid;
}

/* “fizzbuzz” → “fizzbuzz-2”, “fizzbuzz-2” → “fizzbuzz-3”: names are
 * unique on a backend, so running an agent again needs a new one. */
static char *
next_name (const char *name)
{
  const char *dash = strrchr (name, '-');
  guint64 n;

  if (dash != NULL && dash != name && dash[1] != '\0' &&
      g_ascii_string_to_unsigned (dash + 1, 10, 1, G_MAXUINT32 - 1, &n, NULL))
    return g_strdup_printf ("%.*s-%" G_GUINT64_FORMAT, (int) (dash - name), name, n + 1);

  return g_strdup_printf ("%s-2", name);
}

/**
 * swarm_deploy_dialog_prefill:
 * @agent: a past agent to run again
 *
 * Fills the form from @agent.  Environment variables come back with their
 * names only: values are secrets, never kept, and must be typed again.
 */
void
swarm_deploy_dialog_prefill (SwarmDeployDialog *self,
                             SwarmAgent        *agent)
{
  const char *type;
  const char *template_id;
  const char * const *caps;
  const char * const *keys;
  guint i;
  g_autofree char *name = NULL;

  g_return_if_fail (SWARM_IS_DEPLOY_DIALOG (self));
  g_return_if_fail (SWARM_IS_AGENT (agent));

  name = next_name (swarm_agent_get_name (agent));
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), name);

  type = swarm_agent_get_agent_type (agent);
  for (i = 0; i < G_N_ELEMENTS (type_ids) && g_strcmp0 (type, type_ids[i]) != 0; i++)
    ;
  adw_combo_row_set_selected (self->type_row, i);
  if (i == TYPE_CUSTOM)
    gtk_editable_set_text (GTK_EDITABLE (self->custom_type_row), type);

  template_id = swarm_agent_get_template (agent);
  if (template_id != NULL)
    {
      for (i = 0; i < G_N_ELEMENTS (template_ids) && g_strcmp0 (template_id,
                                                                template_ids[i]) != 0; i++)
        ;
      adw_combo_row_set_selected (self->template_row, i);
      if (i == TEMPLATE_OTHER)
        gtk_editable_set_text (GTK_EDITABLE (self->custom_template_row), template_id);
    }

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->task_view),
                            swarm_agent_get_task_description (agent), -1);

  caps = swarm_agent_get_capabilities (agent);
  if (caps != NULL)
    {
      g_autofree char *joined = g_strjoinv (", ", (char **) caps);
      gtk_editable_set_text (GTK_EDITABLE (self->capabilities_row), joined);
    }

  if (swarm_agent_get_config_timeout (agent) > 0)
    gtk_spin_button_set_value (self->timeout_spin, swarm_agent_get_config_timeout (agent));

  if (swarm_agent_get_config_model (agent) != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->model_row), swarm_agent_get_config_model (agent));
  if (swarm_agent_get_config_max_steps (agent) > 0)
    {
      g_autofree char *steps = g_strdup_printf ("%" G_GINT64_FORMAT,
                                                swarm_agent_get_config_max_steps (agent));
      gtk_editable_set_text (GTK_EDITABLE (self->max_steps_row), steps);
    }
  if (swarm_agent_get_config_max_cost_usd (agent) > 0)
    {
      char cost[G_ASCII_DTOSTR_BUF_SIZE];
      gtk_editable_set_text (GTK_EDITABLE (self->max_cost_row),
                             g_ascii_dtostr (cost, sizeof cost,
                                             swarm_agent_get_config_max_cost_usd (agent)));
    }

  keys = swarm_agent_get_environment_keys (agent);
  for (i = 0; keys != NULL && keys[i] != NULL; i++)
    swarm_env_row_set_key (add_env_row (self), keys[i]);

  validate (self);
}
