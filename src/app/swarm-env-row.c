/* swarm-env-row.c — one environment variable in the deploy dialog
 *
 * The value is a secret: it sits in a GtkPasswordEntry (masked, with a
 * peek button) and is never logged.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarm-env-row"

#include "config.h"

#include <glib/gi18n.h>

#include "swarm-env-row.h"

struct _SwarmEnvRow
{
  AdwPreferencesRow  parent_instance;

  GtkEntry          *key_entry;      /* template child */
  GtkPasswordEntry  *value_entry;    /* template child */
  GtkButton         *remove_button;  /* template child */
};

G_DEFINE_FINAL_TYPE (SwarmEnvRow, swarm_env_row, ADW_TYPE_PREFERENCES_ROW)

enum {
  CHANGED,
  REMOVE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
on_entry_changed_cb (SwarmEnvRow *self)
{
  g_autofree char *label = NULL;
  const char *key = swarm_env_row_get_key (self);

  label = g_strdup_printf (_("Value of %s"), *key != '\0' ? key : _("the variable"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->value_entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
on_remove_clicked_cb (SwarmEnvRow *self)
{
  g_signal_emit (self, signals[REMOVE], 0);
}

static void
swarm_env_row_class_init (SwarmEnvRowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  /**
   * SwarmEnvRow::changed:
   *
   * The name or the value was edited.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * SwarmEnvRow::remove:
   *
   * The user asked to remove this variable.
   */
  signals[REMOVE] = g_signal_new ("remove", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/swarm-env-row.ui");
  gtk_widget_class_bind_template_child (widget_class, SwarmEnvRow, key_entry);
  gtk_widget_class_bind_template_child (widget_class, SwarmEnvRow, value_entry);
  gtk_widget_class_bind_template_child (widget_class, SwarmEnvRow, remove_button);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_remove_clicked_cb);
}

static void
swarm_env_row_init (SwarmEnvRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
swarm_env_row_new (void)
{
  return g_object_new (SWARM_TYPE_ENV_ROW, NULL);
}

const char *
swarm_env_row_get_key (SwarmEnvRow *self)
{
  g_return_val_if_fail (SWARM_IS_ENV_ROW (self), NULL);

  return gtk_editable_get_text (GTK_EDITABLE (self->key_entry));
}

void
swarm_env_row_set_key (SwarmEnvRow *self,
                       const char  *key)
{
  g_return_if_fail (SWARM_IS_ENV_ROW (self));

  gtk_editable_set_text (GTK_EDITABLE (self->key_entry), key);
}

const char *
swarm_env_row_get_value (SwarmEnvRow *self)
{
  g_return_val_if_fail (SWARM_IS_ENV_ROW (self), NULL);

  return gtk_editable_get_text (GTK_EDITABLE (self->value_entry));
}

void
swarm_env_row_set_error (SwarmEnvRow *self,
                         gboolean     error)
{
  g_return_if_fail (SWARM_IS_ENV_ROW (self));

  if (error)
    gtk_widget_add_css_class (GTK_WIDGET (self->key_entry), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->key_entry), "error");
}

void
swarm_env_row_focus_key (SwarmEnvRow *self)
{
  g_return_if_fail (SWARM_IS_ENV_ROW (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->key_entry));
}

void
swarm_env_row_focus_value (SwarmEnvRow *self)
{
  g_return_if_fail (SWARM_IS_ENV_ROW (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->value_entry));
}
