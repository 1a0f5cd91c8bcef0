/* swarm-application.c — the application: actions, options, windows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarm-application"

#include "config.h"

#include <glib/gi18n.h>

#include "swarm-application.h"
#include "swarm-core.h"
#include "swarm-preferences-window.h"
#include "swarm-window.h"

struct _SwarmApplication
{
  AdwApplication  parent_instance;

  char           *backend_url;   /* (owned) (nullable): --backend, for this run */
};

G_DEFINE_FINAL_TYPE (SwarmApplication, swarm_application, ADW_TYPE_APPLICATION)

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  GList *windows = gtk_application_get_windows (app);

  /* Closing lets each window save its state and cancel its work. */
  for (GList *l = g_list_copy (windows); l != NULL; l = g_list_delete_link (l, l))
    gtk_window_close (l->data);

  g_application_quit (G_APPLICATION (app));
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  static const char *developers[] = { "The Swarmyard developers", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (app),
                        "application-icon", BASE_APP_ID,
                        "application-name", "Swarmyard",
                        "developer-name", _("The Swarmyard developers"),
                        "version", PACKAGE_VERSION,
                        "comments", _("Deploy, watch and manage AI agents running in sandboxes."),
                        "website", "https://github.com/swarmyard/swarmyard",
                        "issue-url", "https://github.com/swarmyard/swarmyard/issues",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "copyright", "© 2026 The Swarmyard developers",
                        "developers", developers,
                        /* Translators: put your names here, one per line. */
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  gtk_window_present (GTK_WINDOW (swarm_preferences_window_new (parent)));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_action, NULL, NULL, NULL, { 0 } },
  { "preferences", preferences_action, NULL, NULL, NULL, { 0 } },
  { "about", about_action, NULL, NULL, NULL, { 0 } },
};

static void
swarm_application_startup (GApplication *application)
{
  GtkApplication *app = GTK_APPLICATION (application);

  G_APPLICATION_CLASS (swarm_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);

  gtk_application_set_accels_for_action (app, "app.quit", (const char *[]) { "<Control>q", NULL });
  gtk_application_set_accels_for_action (app, "app.preferences",
                                         (const char *[]) { "<Control>comma", NULL });
  gtk_application_set_accels_for_action (app, "window.close",
                                         (const char *[]) { "<Control>w", NULL });
  gtk_application_set_accels_for_action (app, "win.deploy",
                                         (const char *[]) { "<Control>n", NULL });
  gtk_application_set_accels_for_action (app, "win.search",
                                         (const char *[]) { "<Control>f", NULL });
  gtk_application_set_accels_for_action (app, "win.refresh",
                                         (const char *[]) { "F5", "<Control>r", NULL });
  gtk_application_set_accels_for_action (app, "win.show-help-overlay",
                                         (const char *[]) { "<Control>question", NULL });

  gtk_window_set_default_icon_name (BASE_APP_ID);
}

static void
swarm_application_activate (GApplication *application)
{
  SwarmApplication *self = SWARM_APPLICATION (application);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (application));

  if (window == NULL)
    {
      g_autofree char *url = swarm_application_get_backend_url (self);

      window = GTK_WINDOW (swarm_window_new (GTK_APPLICATION (application), url));
    }

  gtk_window_present (window);
}

static int
swarm_application_handle_local_options (GApplication *application,
                                        GVariantDict *options)
{
  SwarmApplication *self = SWARM_APPLICATION (application);
  const char *backend = NULL;

  if (g_variant_dict_lookup (options, "version", "b", NULL))
    {
      g_print ("swarmyard %s\n", PACKAGE_VERSION);
      return 0;
    }

  if (g_variant_dict_lookup (options, "backend", "&s", &backend))
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *normalized = swarm_normalize_url (backend, &error);

      if (normalized == NULL)
        {
          g_printerr ("%s\n", error->message);
          return 2;
        }

      swarm_application_set_backend_url (self, backend);
    }

  return -1;
}

static void
swarm_application_finalize (GObject *object)
{
  SwarmApplication *self = SWARM_APPLICATION (object);

  g_free (self->backend_url);

  G_OBJECT_CLASS (swarm_application_parent_class)->finalize (object);
}

static void
swarm_application_class_init (SwarmApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = swarm_application_finalize;
  app_class->startup = swarm_application_startup;
  app_class->activate = swarm_application_activate;
  app_class->handle_local_options = swarm_application_handle_local_options;
}

static void
swarm_application_init (SwarmApplication *self)
{
  static const GOptionEntry entries[] = {
    { "backend", 'b', 0, G_OPTION_ARG_STRING, NULL,
      N_("The backend to use for this run, instead of the one in the settings"), N_("URL") },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
}

SwarmApplication *
swarm_application_new (GApplicationFlags flags)
{
  return g_object_new (SWARM_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", flags,
                       "resource-base-path", RESOURCE_BASE,
                       NULL);
}

/**
 * swarm_application_get_backend_url:
 *
 * Returns: (transfer full): the backend for new windows: `--backend` if
 *   given, else the `backend-url` setting
 */
char *
swarm_application_get_backend_url (SwarmApplication *self)
{
  g_autoptr(GSettings) settings = NULL;

  g_return_val_if_fail (SWARM_IS_APPLICATION (self), NULL);

  if (self->backend_url != NULL)
    return g_strdup (self->backend_url);

  settings = g_settings_new (BASE_APP_ID);
  return g_settings_get_string (settings, "backend-url");
}

void
swarm_application_set_backend_url (SwarmApplication *self,
                                   const char       *url)
{
  g_return_if_fail (SWARM_IS_APPLICATION (self));

  swarm_set_str (&self->backend_url, url);
}
