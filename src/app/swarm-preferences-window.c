/* swarm-preferences-window.c — backend, keys, refresh and history settings
 *
 * The backend is GSettings `backend-url` (the window reconnects when it
 * changes); its token and the LLM key go to the keyring, never to
 * GSettings; the local daemon's LLM address and model go to its
 * swarmyardd.conf, which it reads again at each deploy.  Keyring, file
 * and network work is asynchronous, each with a deadline, and every
 * failure is a sentence on the page.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarm-preferences"

#include "config.h"

#include <glib/gi18n.h>

#include "swarm-preferences-window.h"
#include "swarm-window.h"

struct _SwarmPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  /* template children */
  GtkCheckButton       *local_check;
  GtkCheckButton       *remote_check;
  AdwEntryRow          *url_row;
  AdwPasswordEntryRow  *token_row;
  AdwActionRow         *test_row;
  GtkButton            *test_button;
  GtkButton            *trust_button;
  GtkLabel             *keyring_label;
  GtkSpinButton        *interval_spin;
  AdwComboRow          *retention_row;
  AdwPreferencesGroup  *llm_group;
  AdwEntryRow          *llm_url_row;
  AdwEntryRow          *llm_model_row;
  AdwPasswordEntryRow  *llm_key_row;
  AdwActionRow         *llm_check_row;
  GtkButton            *llm_check_button;
  AdwPreferencesGroup  *remote_llm_group;
  AdwActionRow         *remote_llm_model_row;
  AdwActionRow         *remote_llm_state_row;

  GSettings            *settings;      /* (owned) */
  GCancellable         *cancellable;   /* (owned) */
  GCancellable         *test_cancellable; /* (owned) (nullable): the connection test in flight */
  char                 *untrusted;     /* (owned) (nullable): fingerprint the last test refused */
  char                 *conf_path;     /* (owned): swarmyardd.conf */
  gboolean              updating;      /* set while the page shows the settings */
};

G_DEFINE_FINAL_TYPE (SwarmPreferencesWindow, swarm_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static const guint retention_days[] = { 0, 30, 90 };

static void
toast (SwarmPreferencesWindow *self,
       const char             *message)
{
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (message));
}

static void
show_keyring_problem (SwarmPreferencesWindow *self,
                      const char             *message)
{
  gtk_label_set_text (self->keyring_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->keyring_label), message != NULL);
}

static SwarmWindow *
get_dashboard (SwarmPreferencesWindow *self)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));

  return SWARM_IS_WINDOW (parent) ? SWARM_WINDOW (parent) : NULL;
}

/* The URL the page is about: the one typed for a remote server, else
 * this computer's. */
static char *
current_url (SwarmPreferencesWindow *self)
{
  if (gtk_check_button_get_active (self->remote_check))
    return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->url_row))));

  return g_strdup (SWARM_DISCOVERY_DEFAULT_URL);
}

/* Backend -------------------------------------------------------------------------- */

static void
token_state_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(SwarmPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  char *token = swarm_secrets_lookup_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  show_keyring_problem (self, error != NULL ? error->message : NULL);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->token_row),
                                 token != NULL ? _("Access Token (saved in the keyring)")
                                               : _("Access Token"));
  swarm_secret_free (token);
}

static void
update_token_state (SwarmPreferencesWindow *self)
{
  g_autofree char *url = current_url (self);
  g_autofree char *normalized = swarm_normalize_url (url, NULL);

  if (normalized == NULL)
    return;

  swarm_secrets_lookup_async (SWARM_SECRET_BACKEND_TOKEN, normalized, 0, self->cancellable,
                              token_state_cb, g_object_ref (self));
}

static void
update_sensitivity (SwarmPreferencesWindow *self)
{
  gboolean remote = gtk_check_button_get_active (self->remote_check);

  gtk_widget_set_sensitive (GTK_WIDGET (self->url_row), remote);
  gtk_widget_set_sensitive (GTK_WIDGET (self->token_row), remote);
  gtk_widget_set_visible (GTK_WIDGET (self->llm_group), !remote);
  gtk_widget_set_visible (GTK_WIDGET (self->remote_llm_group), remote);
}

static void
set_test_result (SwarmPreferencesWindow *self,
                 const char             *text,
                 gboolean                error)
{
  adw_action_row_set_subtitle (self->test_row, text);
  if (error)
    gtk_widget_add_css_class (GTK_WIDGET (self->test_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->test_row), "error");
}

static gboolean
apply_url (SwarmPreferencesWindow *self)
{
  g_autofree char *url = current_url (self);
  g_autoptr(GError) error = NULL;
  g_autofree char *normalized = swarm_normalize_url (url, &error);

  if (normalized == NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->url_row), "error");
      set_test_result (self, error->message, TRUE);
      return FALSE;
    }

  gtk_widget_remove_css_class (GTK_WIDGET (self->url_row), "error");
  set_test_result (self, _("Not tested yet"), FALSE);

  /* The window reconnects on the change. */
  g_settings_set_string (self->settings, "backend-url", url);
  update_token_state (self);
  return TRUE;
}

static void
on_backend_kind_toggled_cb (SwarmPreferencesWindow *self)
{
  if (self->updating)
    return;

  update_sensitivity (self);

  if (gtk_check_button_get_active (self->local_check))
    {
      g_settings_reset (self->settings, "backend-url");
      set_test_result (self, _("Not tested yet"), FALSE);
    }
  else if (*gtk_editable_get_text (GTK_EDITABLE (self->url_row)) != '\0')
    {
      apply_url (self);
    }
  else
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->url_row));
    }
}

static void
on_url_apply_cb (SwarmPreferencesWindow *self)
{
  apply_url (self);
}

static void
on_url_changed_cb (SwarmPreferencesWindow *self)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self->url_row), "error");
}

typedef struct
{
  SwarmPreferencesWindow *self;     /* (owned) */
  gboolean                clearing;
} SecretOp;

static void
token_saved_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  SecretOp *op = user_data;
  g_autoptr(SwarmPreferencesWindow) self = op->self;
  g_autoptr(GError) error = NULL;
  gboolean ok;
  gboolean clearing = op->clearing;

  g_free (op);
  ok = clearing ? swarm_secrets_clear_finish (result, &error)
                : swarm_secrets_store_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (!ok)
    {
      /* What was typed stays, to try again. */
      show_keyring_problem (self, error->message);
      return;
    }

  show_keyring_problem (self, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->token_row), "");
  toast (self, clearing ? _("Token removed from the keyring") : _("Token saved in the keyring"));
  update_token_state (self);

  /* The dashboard asks the keyring again. */
  if (get_dashboard (self) != NULL)
    swarm_window_reconnect (get_dashboard (self));
}

static void
on_token_apply_cb (SwarmPreferencesWindow *self)
{
  g_autofree char *url = current_url (self);
  g_autoptr(GError) error = NULL;
  g_autofree char *normalized = swarm_normalize_url (url, &error);
  const char *token = gtk_editable_get_text (GTK_EDITABLE (self->token_row));
  SecretOp *op;

  if (normalized == NULL)
    {
      set_test_result (self, error->message, TRUE);
      return;
    }

  op = g_new0 (SecretOp, 1);
  op->self = g_object_ref (self);
  op->clearing = *token == '\0';

  /* An empty token removes the saved one. */
  if (op->clearing)
    swarm_secrets_clear_async (SWARM_SECRET_BACKEND_TOKEN, normalized, 0, self->cancellable,
                               token_saved_cb, op);
  else
    swarm_secrets_store_async (SWARM_SECRET_BACKEND_TOKEN, normalized, token, 0,
                               self->cancellable, token_saved_cb, op);
}

static void
show_remote_llm (SwarmPreferencesWindow *self,
                 SwarmHealth            *health)
{
  if (health == NULL || !health->has_details)
    {
      adw_action_row_set_subtitle (self->remote_llm_model_row, _("Unknown: the server did not say"));
      adw_action_row_set_subtitle (self->remote_llm_state_row, _("Unknown: the server did not say"));
      return;
    }

  adw_action_row_set_subtitle (self->remote_llm_model_row,
                               health->llm_model != NULL ? health->llm_model : "—");
  adw_action_row_set_subtitle (self->remote_llm_state_row,
                               health->llm_configured ? _("Yes") : _("No: set a key on the server"));
}

static void
health_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(SwarmPreferencesWindow) self = user_data;
  g_autoptr(SwarmHealth) health = NULL;
  g_autoptr(GError) error = NULL;

  health = swarm_client_health_finish (SWARM_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* A certificate no authority vouches for: the user may accept it, having
   * compared its fingerprint with the server's. */
  g_clear_pointer (&self->untrusted, g_free);
  if (g_error_matches (error, SWARM_CLIENT_ERROR, SWARM_CLIENT_ERROR_UNTRUSTED_CERTIFICATE))
    self->untrusted = swarm_client_dup_untrusted_certificate (SWARM_CLIENT (object));
  gtk_widget_set_visible (GTK_WIDGET (self->trust_button), self->untrusted != NULL);

  if (health == NULL)
    {
      set_test_result (self, error->message, TRUE);
      show_remote_llm (self, NULL);
      return;
    }

  {
    /* Translators: the first %s is a server's name, the second its version */
    g_autofree char *text = g_strdup_printf (_("Connected to %s %s"), health->name,
                                             health->version != NULL ? health->version : "");

    set_test_result (self, g_strstrip (text), FALSE);
  }
  show_remote_llm (self, health);
}

typedef struct
{
  SwarmPreferencesWindow *self;     /* (owned) */
  SwarmClient            *client;   /* (owned) */
} TestOp;

static void
test_token_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  TestOp *op = user_data;
  g_autoptr(SwarmPreferencesWindow) self = op->self;
  g_autoptr(SwarmClient) client = op->client;
  g_autoptr(GError) error = NULL;
  char *token = swarm_secrets_lookup_finish (result, &error);

  g_free (op);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* No keyring: the public health check still names the server. */
  if (token != NULL)
    swarm_client_set_token (client, token);
  swarm_secret_free (token);

  swarm_client_health_async (client, self->test_cancellable, health_cb, g_object_ref (self));
}

static void
on_test_clicked_cb (SwarmPreferencesWindow *self)
{
  g_autofree char *url = current_url (self);
  g_autoptr(GError) error = NULL;
  g_autofree char *normalized = swarm_normalize_url (url, &error);
  const char *typed = gtk_editable_get_text (GTK_EDITABLE (self->token_row));
  g_autoptr(SwarmClient) client = NULL;

  if (normalized == NULL)
    {
      set_test_result (self, error->message, TRUE);
      return;
    }

  /* A newer test (another address, another token) replaces the old. */
  g_cancellable_cancel (self->test_cancellable);
  g_clear_object (&self->test_cancellable);
  self->test_cancellable = g_cancellable_new ();

  client = swarm_client_new (url);
  {
    g_autoptr(GVariant) pins = g_settings_get_value (self->settings, "pinned-certificates");

    swarm_client_set_pinned_certificate (client, swarm_settings_lookup_pin (pins, normalized));
  }
  set_test_result (self, _("Connecting…"), FALSE);

  /* A token typed and not yet saved is tried as it is; this computer's
   * daemon names itself without one. */
  if (*typed != '\0' || swarm_discovery_is_local_default (url))
    {
      if (*typed != '\0')
        swarm_client_set_token (client, typed);
      swarm_client_health_async (client, self->test_cancellable, health_cb, g_object_ref (self));
    }
  else
    {
      TestOp *op = g_new0 (TestOp, 1);

      op->self = g_object_ref (self);
      op->client = g_steal_pointer (&client);
      swarm_secrets_lookup_async (SWARM_SECRET_BACKEND_TOKEN, normalized, 0, self->test_cancellable,
                                  test_token_cb, op);
    }
}

static void
on_trust_clicked_cb (SwarmPreferencesWindow *self)
{
  g_autofree char *url = current_url (self);
  g_autofree char *normalized = swarm_normalize_url (url, NULL);
  g_autoptr(GVariant) pins = NULL;

  if (normalized == NULL || self->untrusted == NULL)
    return;

  /* The other servers' pins stay; this one's is replaced. */
  pins = g_settings_get_value (self->settings, "pinned-certificates");
  g_settings_set_value (self->settings, "pinned-certificates",
                        swarm_settings_with_pin (pins, normalized, self->untrusted));

  gtk_widget_set_visible (GTK_WIDGET (self->trust_button), FALSE);
  toast (self, _("Certificate accepted for this server"));

  /* Test again with it; the dashboard connects again with it. */
  on_test_clicked_cb (self);
  if (get_dashboard (self) != NULL)
    swarm_window_reconnect (get_dashboard (self));
}

/* Language model -------------------------------------------------------------- */

static void
llm_loaded_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(SwarmPreferencesWindow) self = user_data;
  g_autoptr(SwarmLlmSettings) settings = NULL;
  g_autoptr(GError) error = NULL;

  settings = swarm_llm_settings_load_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (settings == NULL)
    {
      adw_action_row_set_subtitle (self->llm_check_row, error->message);
      return;
    }

  gtk_editable_set_text (GTK_EDITABLE (self->llm_url_row), settings->base_url);
  gtk_editable_set_text (GTK_EDITABLE (self->llm_model_row), settings->model);
}

static void
llm_saved_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SwarmPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!swarm_llm_settings_save_finish (result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        adw_action_row_set_subtitle (self->llm_check_row, error->message);
      return;
    }

  toast (self, _("Saved: the next agent uses it"));
}

static void
on_llm_apply_cb (SwarmPreferencesWindow *self)
{
  const char *url = gtk_editable_get_text (GTK_EDITABLE (self->llm_url_row));
  const char *model = gtk_editable_get_text (GTK_EDITABLE (self->llm_model_row));
  g_autoptr(GError) error = NULL;
  g_autofree char *normalized = swarm_normalize_url (url, &error);

  if (normalized == NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->llm_url_row), "error");
      adw_action_row_set_subtitle (self->llm_check_row, error->message);
      return;
    }
  if (*model == '\0')
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->llm_model_row), "error");
      adw_action_row_set_subtitle (self->llm_check_row, _("Enter a model, such as openai/gpt-4o-mini."));
      return;
    }

  gtk_widget_remove_css_class (GTK_WIDGET (self->llm_url_row), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->llm_model_row), "error");
  swarm_llm_settings_save_async (self->conf_path, url, model, self->cancellable, llm_saved_cb,
                                 g_object_ref (self));
}

static void
llm_key_saved_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  SecretOp *op = user_data;
  g_autoptr(SwarmPreferencesWindow) self = op->self;
  g_autoptr(GError) error = NULL;
  gboolean clearing = op->clearing;
  gboolean ok;

  g_free (op);
  ok = clearing ? swarm_secrets_clear_finish (result, &error)
                : swarm_secrets_store_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (!ok)
    {
      adw_action_row_set_subtitle (self->llm_check_row, error->message);
      return;
    }

  gtk_editable_set_text (GTK_EDITABLE (self->llm_key_row), "");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->llm_key_row),
                                 clearing ? _("API Key") : _("API Key (saved in the keyring)"));
  toast (self, clearing ? _("API key removed from the keyring")
                        : _("API key saved in the keyring: the next agent uses it"));
}

static void
on_llm_key_apply_cb (SwarmPreferencesWindow *self)
{
  const char *key = gtk_editable_get_text (GTK_EDITABLE (self->llm_key_row));
  SecretOp *op = g_new0 (SecretOp, 1);

  op->self = g_object_ref (self);
  op->clearing = *key == '\0';
  if (op->clearing)
    swarm_secrets_clear_async (SWARM_SECRET_LLM_KEY, NULL, 0, self->cancellable,
                               llm_key_saved_cb, op);
  else
    swarm_secrets_store_async (SWARM_SECRET_LLM_KEY, NULL, key, 0, self->cancellable,
                               llm_key_saved_cb, op);
}

static void
llm_checked_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(SwarmPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  SwarmLlmCheck check;
  const char *model = gtk_editable_get_text (GTK_EDITABLE (self->llm_model_row));

  if (!swarm_llm_check_finish (result, &check, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      text = g_strdup (error->message);
    }
  else if (check.model_listed)
    {
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "The server lists %u model, including %s.",
                                           "The server lists %u models, including %s.",
                                           check.n_models),
                              check.n_models, model);
    }
  else
    {
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "The server lists %u model, but not %s.",
                                           "The server lists %u models, but not %s.",
                                           check.n_models),
                              check.n_models, model);
    }

  gtk_widget_set_sensitive (GTK_WIDGET (self->llm_check_button), TRUE);
  adw_action_row_set_subtitle (self->llm_check_row, text);
}

static void
check_with_key (SwarmPreferencesWindow *self,
                const char             *key)
{
  swarm_llm_check_async (gtk_editable_get_text (GTK_EDITABLE (self->llm_url_row)), key,
                         gtk_editable_get_text (GTK_EDITABLE (self->llm_model_row)), 10000,
                         self->cancellable, llm_checked_cb, g_object_ref (self));
}

static void
check_key_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SwarmPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  char *key = swarm_secrets_lookup_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* Without a keyring the check still tells whether the server answers. */
  check_with_key (self, key);
  swarm_secret_free (key);
}

static void
on_llm_check_clicked_cb (SwarmPreferencesWindow *self)
{
  const char *typed = gtk_editable_get_text (GTK_EDITABLE (self->llm_key_row));

  gtk_widget_set_sensitive (GTK_WIDGET (self->llm_check_button), FALSE);
  adw_action_row_set_subtitle (self->llm_check_row, _("Asking the server…"));

  if (*typed != '\0')
    check_with_key (self, typed);
  else
    swarm_secrets_lookup_async (SWARM_SECRET_LLM_KEY, NULL, 0, self->cancellable, check_key_cb,
                                g_object_ref (self));
}

static void
llm_key_state_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SwarmPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  char *key = swarm_secrets_lookup_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (error != NULL)
    adw_action_row_set_subtitle (self->llm_check_row, error->message);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->llm_key_row),
                                 key != NULL ? _("API Key (saved in the keyring)") : _("API Key"));
  swarm_secret_free (key);
}

/* Dashboard ------------------------------------------------------------------------ */

static void
on_interval_changed_cb (SwarmPreferencesWindow *self)
{
  if (!self->updating)
    g_settings_set_uint (self->settings, "refresh-interval",
                         (guint) gtk_spin_button_get_value_as_int (self->interval_spin));
}

static void
on_retention_selected_cb (SwarmPreferencesWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->retention_row);

  if (!self->updating && selected < G_N_ELEMENTS (retention_days))
    g_settings_set_uint (self->settings, "history-retention-days", retention_days[selected]);
}

/* Object --------------------------------------------------------------------------- */

static void
swarm_preferences_window_dispose (GObject *object)
{
  SwarmPreferencesWindow *self = SWARM_PREFERENCES_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->test_cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->test_cancellable);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (swarm_preferences_window_parent_class)->dispose (object);
}

static void
swarm_preferences_window_finalize (GObject *object)
{
  SwarmPreferencesWindow *self = SWARM_PREFERENCES_WINDOW (object);

  g_free (self->conf_path);
  g_free (self->untrusted);

  G_OBJECT_CLASS (swarm_preferences_window_parent_class)->finalize (object);
}

static void
swarm_preferences_window_class_init (SwarmPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = swarm_preferences_window_dispose;
  object_class->finalize = swarm_preferences_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "/ui/swarm-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SwarmPreferencesWindow, local_check);
  gtk_widget_class_bind_template_child (widget_class, SwarmPreferencesWindow, remote_check);
  gtk_widget_class_bind_template_child (widget_class, SwarmPreferencesWindow, url_row);
  gtk_widget_class_bind_template_child (widget_class, SwarmPreferencesWindow, token_row);
  gtk_widget_class_bind_template_child (widget_class, SwarmPreferencesWindow, test_row);
  gtk_widget_class_bind_template_child (widget_class, SwarmPreferencesWindow, test_button);
  gtk_widget_class_bind_template_child (widget_class, SwarmPreferencesWindow, trust_button);
  gtk_widget_class_bind_template_child (widget_class, SwarmPreferencesWindow, keyring_label);
  gtk_widget_class_bind_template_child (widget_class, SwarmPreferencesWindow, interval_spin);
  gtk_widget_class_bind_template_child (widget_class, SwarmPreferencesWindow, retention_row);
  gtk_widget_class_bind_template_child (widget_class, SwarmPreferencesWindow, llm_group);
  gtk_widget_class_bind_template_child (widget_class, SwarmPreferencesWindow, llm_url_row);
  gtk_widget_class_bind_template_child (widget_class, SwarmPreferencesWindow, llm_model_row);
  gtk_widget_class_bind_template_child (widget_class, SwarmPreferencesWindow, llm_key_row);
  gtk_widget_class_bind_template_child (widget_class, SwarmPreferencesWindow, llm_check_row);
  gtk_widget_class_bind_template_child (widget_class, SwarmPreferencesWindow, llm_check_button);
  gtk_widget_class_bind_template_child (widget_class, SwarmPreferencesWindow, remote_llm_group);
  gtk_widget_class_bind_template_child (widget_class, SwarmPreferencesWindow, remote_llm_model_row);
  gtk_widget_class_bind_template_child (widget_class, SwarmPreferencesWindow, remote_llm_state_row);
  gtk_widget_class_bind_template_callback (widget_class, on_backend_kind_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_url_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_url_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_token_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_test_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_trust_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_retention_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_llm_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_llm_key_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_llm_check_clicked_cb);
}

static void
swarm_preferences_window_init (SwarmPreferencesWindow *self)
{
  guint retention;
  guint selected = 0;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (BASE_APP_ID);
  self->cancellable = g_cancellable_new ();
  self->conf_path = swarm_llm_settings_default_path ();

  /* Show the settings without writing them back. */
  self->updating = TRUE;

  gtk_spin_button_set_value (self->interval_spin,
                             g_settings_get_uint (self->settings, "refresh-interval"));
  g_signal_connect_object (self->interval_spin, "value-changed",
                           G_CALLBACK (on_interval_changed_cb), self, G_CONNECT_SWAPPED);

  retention = g_settings_get_uint (self->settings, "history-retention-days");
  for (guint i = 0; i < G_N_ELEMENTS (retention_days); i++)
    if (retention_days[i] == retention)
      selected = i;
  adw_combo_row_set_selected (self->retention_row, selected);

  self->updating = FALSE;

  swarm_llm_settings_load_async (self->conf_path, self->cancellable, llm_loaded_cb,
                                 g_object_ref (self));
  swarm_secrets_lookup_async (SWARM_SECRET_LLM_KEY, NULL, 0, self->cancellable, llm_key_state_cb,
                              g_object_ref (self));
}

/* The backend shown: the dashboard's (it may come from --backend for
 * this run), else the setting. */
static void
show_backend (SwarmPreferencesWindow *self)
{
  SwarmWindow *dashboard = get_dashboard (self);
  g_autofree char *url = NULL;

  if (dashboard != NULL)
    url = g_strdup (swarm_client_get_base_url (swarm_window_get_client (dashboard)));
  else
    url = g_settings_get_string (self->settings, "backend-url");

  self->updating = TRUE;
  if (swarm_discovery_is_local_default (url))
    {
      gtk_check_button_set_active (self->local_check, TRUE);
    }
  else
    {
      gtk_check_button_set_active (self->remote_check, TRUE);
      gtk_editable_set_text (GTK_EDITABLE (self->url_row), url);
    }
  self->updating = FALSE;

  update_sensitivity (self);
  update_token_state (self);

  /* A remote server's LLM settings are shown as it reports them. */
  if (!swarm_discovery_is_local_default (url))
    on_test_clicked_cb (self);
}

GtkWidget *
swarm_preferences_window_new (GtkWindow *parent)
{
  SwarmPreferencesWindow *self = g_object_new (SWARM_TYPE_PREFERENCES_WINDOW,
                                               "transient-for", parent,
                                               "modal", TRUE,
                                               NULL);

  show_backend (self);
  return GTK_WIDGET (self);
}
