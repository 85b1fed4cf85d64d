/* supa-health-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "supa-health-row"

#include "config.h"

#include <glib/gi18n.h>

#include "supa-health-row.h"
#include "supa-resources.h"

struct _SupaHealthRow
{
  AdwActionRow       parent_instance;

  SupaServiceHealth *health;

  GtkStack          *state_stack;
  GtkSpinner        *spinner;
  GtkImage          *state_icon;
  GtkLabel          *rtt_label;
  GtkLabel          *endpoint_label;
};

G_DEFINE_FINAL_TYPE (SupaHealthRow, supa_health_row, ADW_TYPE_ACTION_ROW)

enum {
  PROP_0,
  PROP_HEALTH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const state_classes[] = { "success", "warning", "error" };

static void
supa_health_row_update (SupaHealthRow *self)
{
  SupaHealthState state = supa_service_health_get_state (self->health);
  gint64 rtt = supa_service_health_get_rtt_ms (self->health);
  const char *message = supa_service_health_get_message (self->health);
  const char *icon_name = NULL;
  const char *css_class = NULL;
  const char *state_text = NULL;
  g_autofree char *rtt_text = NULL;
  g_autofree char *description = NULL;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self),
                                 supa_service_health_get_title (self->health));
  gtk_label_set_label (self->endpoint_label,
                       supa_service_health_get_endpoint (self->health));

  switch (state)
    {
    case SUPA_HEALTH_PENDING:
      state_text = _("Checking…");
      break;
    case SUPA_HEALTH_OK:
      icon_name = "emblem-ok-symbolic";
      css_class = "success";
      state_text = _("Working");
      break;
    case SUPA_HEALTH_DEGRADED:
      icon_name = "dialog-warning-symbolic";
      css_class = "warning";
      state_text = _("Limited");
      break;
    case SUPA_HEALTH_FAILED:
    default:
      icon_name = "dialog-error-symbolic";
      css_class = "error";
      state_text = _("Failed");
      break;
    }

  gtk_spinner_set_spinning (self->spinner, state == SUPA_HEALTH_PENDING);
  gtk_stack_set_visible_child_name (self->state_stack,
                                    state == SUPA_HEALTH_PENDING ? "pending" : "done");
  if (icon_name != NULL)
    gtk_image_set_from_icon_name (self->state_icon, icon_name);

  for (guint i = 0; i < G_N_ELEMENTS (state_classes); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->state_icon), state_classes[i]);
  if (css_class != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->state_icon), css_class);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self->state_icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, state_text,
                                  -1);

  if (rtt >= 0)
    /* Translators: a network round-trip time in milliseconds */
    rtt_text = g_strdup_printf (_("%d ms"), (int) MIN (rtt, G_MAXINT));
  gtk_label_set_label (self->rtt_label, rtt_text != NULL ? rtt_text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->rtt_label), rtt_text != NULL);

  if (message == NULL || *message == '\0')
    message = state_text;
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), message);

  description = g_strdup_printf ("%s: %s", state_text, message);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);
}

static void
health_notify_cb (SupaHealthRow *self)
{
  supa_health_row_update (self);
}

static void
supa_health_row_dispose (GObject *object)
{
  SupaHealthRow *self = (SupaHealthRow *)object;

  gtk_widget_dispose_template (GTK_WIDGET (self), SUPA_TYPE_HEALTH_ROW);
  g_clear_object (&self->health);

  G_OBJECT_CLASS (supa_health_row_parent_class)->dispose (object);
}

static void
supa_health_row_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  SupaHealthRow *self = SUPA_HEALTH_ROW (object);

  switch (prop_id)
    {
    case PROP_HEALTH:
      g_value_set_object (value, self->health);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_health_row_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  SupaHealthRow *self = SUPA_HEALTH_ROW (object);

  switch (prop_id)
    {
    case PROP_HEALTH:
      self->health = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_health_row_constructed (GObject *object)
{
  SupaHealthRow *self = (SupaHealthRow *)object;

  G_OBJECT_CLASS (supa_health_row_parent_class)->constructed (object);

  g_return_if_fail (SUPA_IS_SERVICE_HEALTH (self->health));

  g_signal_connect_object (self->health, "notify",
                           G_CALLBACK (health_notify_cb), self,
                           G_CONNECT_SWAPPED);
  supa_health_row_update (self);
}

static void
supa_health_row_class_init (SupaHealthRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = supa_health_row_dispose;
  object_class->get_property = supa_health_row_get_property;
  object_class->set_property = supa_health_row_set_property;
  object_class->constructed = supa_health_row_constructed;

  properties[PROP_HEALTH] =
    g_param_spec_object ("health", NULL, NULL,
                         SUPA_TYPE_SERVICE_HEALTH,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  supa_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/supadesk/Supadesk/supa-health-row.ui");
  gtk_widget_class_bind_template_child (widget_class, SupaHealthRow, state_stack);
  gtk_widget_class_bind_template_child (widget_class, SupaHealthRow, spinner);
  gtk_widget_class_bind_template_child (widget_class, SupaHealthRow, state_icon);
  gtk_widget_class_bind_template_child (widget_class, SupaHealthRow, rtt_label);
  gtk_widget_class_bind_template_child (widget_class, SupaHealthRow, endpoint_label);
}

static void
supa_health_row_init (SupaHealthRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
supa_health_row_new (SupaServiceHealth *health)
{
  g_return_val_if_fail (SUPA_IS_SERVICE_HEALTH (health), NULL);

  return g_object_new (SUPA_TYPE_HEALTH_ROW, "health", health, NULL);
}

SupaServiceHealth *
supa_health_row_get_health (SupaHealthRow *self)
{
  g_return_val_if_fail (SUPA_IS_HEALTH_ROW (self), NULL);

  return self->health;
}
