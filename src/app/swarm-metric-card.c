/* swarm-metric-card.c — one figure with its caption
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "swarm-metric-card"

#include "config.h"

#include <glib/gi18n.h>

#include "swarm-metric-card.h"
#include "swarm-utils.h"

struct _SwarmMetricCard
{
  AdwBin    parent_instance;

  GtkImage *icon;          /* template child */
  GtkLabel *title_label;   /* template child */
  GtkLabel *value_label;   /* template child */
};

G_DEFINE_FINAL_TYPE (SwarmMetricCard, swarm_metric_card, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_TITLE,
  PROP_VALUE,
  PROP_ICON_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update_accessible (SwarmMetricCard *self)
{
  g_autofree char *text = g_strdup_printf ("%s: %s", gtk_label_get_text (self->title_label),
                                           gtk_label_get_text (self->value_label));

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text,
                                  -1);
}

static void
swarm_metric_card_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  SwarmMetricCard *self = SWARM_METRIC_CARD (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, swarm_metric_card_get_title (self));
      break;
    case PROP_VALUE:
      g_value_set_string (value, swarm_metric_card_get_value (self));
      break;
    case PROP_ICON_NAME:
      g_value_set_string (value, gtk_image_get_icon_name (self->icon));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
swarm_metric_card_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  SwarmMetricCard *self = SWARM_METRIC_CARD (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      swarm_metric_card_set_title (self, g_value_get_string (value));
      break;
    case PROP_VALUE:
      swarm_metric_card_set_value (self, g_value_get_string (value));
      break;
    case PROP_ICON_NAME:
      swarm_metric_card_set_icon_name (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
swarm_metric_card_class_init (SwarmMetricCardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = swarm_metric_card_get_property;
  object_class->set_property = swarm_metric_card_set_property;

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VALUE] =
    g_param_spec_string ("value", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ICON_NAME] =
    g_param_spec_string ("icon-name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "/ui/swarm-metric-card.ui");
  gtk_widget_class_bind_template_child (widget_class, SwarmMetricCard, icon);
  gtk_widget_class_bind_template_child (widget_class, SwarmMetricCard, title_label);
  gtk_widget_class_bind_template_child (widget_class, SwarmMetricCard, value_label);
}

static void
swarm_metric_card_init (SwarmMetricCard *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
swarm_metric_card_new (const char *title)
{
  return g_object_new (SWARM_TYPE_METRIC_CARD, "title", title, NULL);
}

const char *
swarm_metric_card_get_title (SwarmMetricCard *self)
{
  g_return_val_if_fail (SWARM_IS_METRIC_CARD (self), NULL);

  return gtk_label_get_text (self->title_label);
}

void
swarm_metric_card_set_title (SwarmMetricCard *self,
                             const char      *title)
{
  g_return_if_fail (SWARM_IS_METRIC_CARD (self));

  if (g_strcmp0 (title, gtk_label_get_text (self->title_label)) == 0)
    return;

  gtk_label_set_text (self->title_label, title);
  update_accessible (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

const char *
swarm_metric_card_get_value (SwarmMetricCard *self)
{
  g_return_val_if_fail (SWARM_IS_METRIC_CARD (self), NULL);

  return gtk_label_get_text (self->value_label);
}

void
swarm_metric_card_set_value (SwarmMetricCard *self,
                             const char      *value)
{
  g_return_if_fail (SWARM_IS_METRIC_CARD (self));

  if (g_strcmp0 (value, gtk_label_get_text (self->value_label)) == 0)
    return;

  gtk_label_set_text (self->value_label, value);
  update_accessible (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALUE]);
}

void
swarm_metric_card_set_icon_name (SwarmMetricCard *self,
                                 const char      *icon_name)
{
  g_return_if_fail (SWARM_IS_METRIC_CARD (self));

  if (g_strcmp0 (icon_name, gtk_image_get_icon_name (self->icon)) == 0)
    return;

  gtk_image_set_from_icon_name (self->icon, icon_name);
  gtk_widget_set_visible (GTK_WIDGET (self->icon), icon_name != NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ICON_NAME]);
}
