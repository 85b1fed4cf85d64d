/* supa-overview-page.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "supa-overview-page"

#include "config.h"

#include <glib/gi18n.h>

#include "supa-client.h"
#include "supa-health-row.h"
#include "supa-overview-page.h"
#include "supa-resources.h"

struct _SupaOverviewPage
{
  GtkWidget        parent_instance;

  char            *title;
  SupaProfile     *profile;
  SupaKeyInfo     *key_info;
  SupaHealthCheck *health_check;

  GtkLabel        *title_label;
  GtkLabel        *subtitle_label;
  GtkWidget       *rls_warning;
  AdwActionRow    *name_row;
  AdwActionRow    *url_row;
  AdwActionRow    *ref_row;
  AdwActionRow    *role_row;
  GtkLabel        *role_badge;
  AdwActionRow    *expiry_row;
  GtkLabel        *expiry_label;
  GtkLabel        *tag_label;
  GtkListBox      *services_list;
};

G_DEFINE_FINAL_TYPE (SupaOverviewPage, supa_overview_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TITLE,
  PROP_PROFILE,
  PROP_KEY_INFO,
  PROP_HEALTH_CHECK,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *
tag_display_name (const char *tag)
{
  if (tag == NULL || *tag == '\0')
    return _("None");
  if (g_str_equal (tag, "development"))
    return _("Development");
  if (g_str_equal (tag, "staging"))
    return _("Staging");
  if (g_str_equal (tag, SUPA_PROFILE_TAG_PRODUCTION))
    return _("Production");
  return tag;
}

static void
set_row_value (AdwActionRow *row,
               const char   *value)
{
  adw_action_row_set_subtitle (row, value != NULL && *value != '\0' ? value : "—");
}

static void
supa_overview_page_update (SupaOverviewPage *self)
{
  const char *name = NULL;
  const char *url = NULL;
  const char *role = NULL;
  const char *role_label = NULL;
  const char *tag = NULL;
  gboolean bypasses = FALSE;
  g_autofree char *ref = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *expiry_text = NULL;
  gboolean expired = FALSE;

  gtk_label_set_label (self->title_label, self->title != NULL ? self->title : _("Overview"));

  if (self->profile != NULL)
    {
      name = supa_profile_get_name (self->profile);
      url = supa_profile_get_url (self->profile);
      role = supa_profile_get_role (self->profile);
      tag = supa_profile_get_tag (self->profile);
      bypasses = supa_profile_bypasses_rls (self->profile);
    }

  if (self->key_info != NULL)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
      GDateTime *expires = supa_key_info_get_expires_at (self->key_info);

      role = supa_key_info_get_role (self->key_info);
      role_label = supa_key_info_get_role_label (self->key_info);
      bypasses = supa_key_info_bypasses_rls (self->key_info);

      if (expires != NULL)
        {
          g_autoptr(GDateTime) local = g_date_time_to_local (expires);
          g_autofree char *date = g_date_time_format (local, "%x %H:%M");

          expired = supa_key_info_is_expired (self->key_info, now);
          if (expired)
            /* Translators: %s is a date and time */
            expiry_text = g_strdup_printf (_("%s (expired)"), date);
          else
            expiry_text = g_steal_pointer (&date);
        }
      else
        expiry_text = g_strdup (_("Never"));
    }
  else
    expiry_text = g_strdup (_("Unknown"));

  if (url != NULL)
    ref = supa_project_ref_from_url (url);
  if (ref == NULL && self->key_info != NULL && supa_key_info_get_ref (self->key_info) != NULL)
    ref = g_strdup (supa_key_info_get_ref (self->key_info));

  if (name != NULL)
    /* Translators: %s is a project name */
    subtitle = g_strdup_printf (_("Overview of %s"), name);
  gtk_label_set_label (self->subtitle_label, subtitle != NULL ? subtitle : "");

  set_row_value (self->name_row, name);
  set_row_value (self->url_row, url);
  if (ref != NULL)
    set_row_value (self->ref_row, ref);
  else
    set_row_value (self->ref_row, _("None (self-hosted or local project)"));

  set_row_value (self->role_row, role_label);
  gtk_label_set_label (self->role_badge, role != NULL ? role : _("unknown"));
  gtk_widget_set_visible (GTK_WIDGET (self->role_badge), role != NULL);
  if (bypasses)
    gtk_widget_add_css_class (GTK_WIDGET (self->role_badge), "danger");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->role_badge), "danger");

  gtk_label_set_label (self->expiry_label, expiry_text);
  if (expired)
    gtk_widget_add_css_class (GTK_WIDGET (self->expiry_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->expiry_label), "error");

  gtk_label_set_label (self->tag_label, tag_display_name (tag));

  gtk_widget_set_visible (self->rls_warning, bypasses);
}

static GtkWidget *
create_health_row_cb (gpointer item,
                      gpointer user_data)
{
  return supa_health_row_new (SUPA_SERVICE_HEALTH (item));
}

static void
profile_notify_cb (SupaOverviewPage *self)
{
  supa_overview_page_update (self);
}

static void
supa_overview_page_dispose (GObject *object)
{
  SupaOverviewPage *self = (SupaOverviewPage *)object;
  GtkWidget *child;

  if (self->services_list != NULL)
    gtk_list_box_bind_model (self->services_list, NULL, NULL, NULL, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SUPA_TYPE_OVERVIEW_PAGE);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->profile);
  g_clear_object (&self->key_info);
  g_clear_object (&self->health_check);

  G_OBJECT_CLASS (supa_overview_page_parent_class)->dispose (object);
}

static void
supa_overview_page_finalize (GObject *object)
{
  SupaOverviewPage *self = (SupaOverviewPage *)object;

  g_clear_pointer (&self->title, g_free);

  G_OBJECT_CLASS (supa_overview_page_parent_class)->finalize (object);
}

static void
supa_overview_page_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  SupaOverviewPage *self = SUPA_OVERVIEW_PAGE (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_PROFILE:
      g_value_set_object (value, self->profile);
      break;
    case PROP_KEY_INFO:
      g_value_set_object (value, self->key_info);
      break;
    case PROP_HEALTH_CHECK:
      g_value_set_object (value, self->health_check);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_overview_page_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  SupaOverviewPage *self = SUPA_OVERVIEW_PAGE (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      supa_overview_page_set_title (self, g_value_get_string (value));
      break;
    case PROP_PROFILE:
      supa_overview_page_set_profile (self, g_value_get_object (value));
      break;
    case PROP_KEY_INFO:
      supa_overview_page_set_key_info (self, g_value_get_object (value));
      break;
    case PROP_HEALTH_CHECK:
      supa_overview_page_set_health_check (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
supa_overview_page_class_init (SupaOverviewPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = supa_overview_page_dispose;
  object_class->finalize = supa_overview_page_finalize;
  object_class->get_property = supa_overview_page_get_property;
  object_class->set_property = supa_overview_page_set_property;

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_PROFILE] =
    g_param_spec_object ("profile", NULL, NULL, SUPA_TYPE_PROFILE,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_KEY_INFO] =
    g_param_spec_object ("key-info", NULL, NULL, SUPA_TYPE_KEY_INFO,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_HEALTH_CHECK] =
    g_param_spec_object ("health-check", NULL, NULL, SUPA_TYPE_HEALTH_CHECK,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  supa_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/supadesk/Supadesk/supa-overview-page.ui");
  gtk_widget_class_bind_template_child (widget_class, SupaOverviewPage, title_label);
  gtk_widget_class_bind_template_child (widget_class, SupaOverviewPage, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, SupaOverviewPage, rls_warning);
  gtk_widget_class_bind_template_child (widget_class, SupaOverviewPage, name_row);
  gtk_widget_class_bind_template_child (widget_class, SupaOverviewPage, url_row);
  gtk_widget_class_bind_template_child (widget_class, SupaOverviewPage, ref_row);
  gtk_widget_class_bind_template_child (widget_class, SupaOverviewPage, role_row);
  gtk_widget_class_bind_template_child (widget_class, SupaOverviewPage, role_badge);
  gtk_widget_class_bind_template_child (widget_class, SupaOverviewPage, expiry_row);
  gtk_widget_class_bind_template_child (widget_class, SupaOverviewPage, expiry_label);
  gtk_widget_class_bind_template_child (widget_class, SupaOverviewPage, tag_label);
  gtk_widget_class_bind_template_child (widget_class, SupaOverviewPage, services_list);
}

static void
supa_overview_page_init (SupaOverviewPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->role_badge),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, self->role_row, NULL,
                                  -1);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->expiry_label),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, self->expiry_row, NULL,
                                  -1);
  supa_overview_page_update (self);
}

GtkWidget *
supa_overview_page_new (const char *title)
{
  return g_object_new (SUPA_TYPE_OVERVIEW_PAGE, "title", title, NULL);
}

const char *
supa_overview_page_get_title (SupaOverviewPage *self)
{
  g_return_val_if_fail (SUPA_IS_OVERVIEW_PAGE (self), NULL);

  return self->title;
}

void
supa_overview_page_set_title (SupaOverviewPage *self,
                              const char       *title)
{
  g_return_if_fail (SUPA_IS_OVERVIEW_PAGE (self));

  if (g_strcmp0 (self->title, title) == 0)
    return;

  g_free (self->title);
  self->title = g_strdup (title);
  supa_overview_page_update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

SupaProfile *
supa_overview_page_get_profile (SupaOverviewPage *self)
{
  g_return_val_if_fail (SUPA_IS_OVERVIEW_PAGE (self), NULL);

  return self->profile;
}

void
supa_overview_page_set_profile (SupaOverviewPage *self,
                                SupaProfile      *profile)
{
  g_return_if_fail (SUPA_IS_OVERVIEW_PAGE (self));
  g_return_if_fail (!profile || SUPA_IS_PROFILE (profile));

  if (self->profile == profile)
    return;

  if (self->profile != NULL)
    g_signal_handlers_disconnect_by_func (self->profile, profile_notify_cb, self);

  g_set_object (&self->profile, profile);

  if (self->profile != NULL)
    g_signal_connect_object (self->profile, "notify",
                             G_CALLBACK (profile_notify_cb), self,
                             G_CONNECT_SWAPPED);

  supa_overview_page_update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROFILE]);
}

SupaKeyInfo *
supa_overview_page_get_key_info (SupaOverviewPage *self)
{
  g_return_val_if_fail (SUPA_IS_OVERVIEW_PAGE (self), NULL);

  return self->key_info;
}

void
supa_overview_page_set_key_info (SupaOverviewPage *self,
                                 SupaKeyInfo      *key_info)
{
  g_return_if_fail (SUPA_IS_OVERVIEW_PAGE (self));
  g_return_if_fail (!key_info || SUPA_IS_KEY_INFO (key_info));

  if (g_set_object (&self->key_info, key_info))
    {
      supa_overview_page_update (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KEY_INFO]);
    }
}

SupaHealthCheck *
supa_overview_page_get_health_check (SupaOverviewPage *self)
{
  g_return_val_if_fail (SUPA_IS_OVERVIEW_PAGE (self), NULL);

  return self->health_check;
}

void
supa_overview_page_set_health_check (SupaOverviewPage *self,
                                     SupaHealthCheck  *check)
{
  g_return_if_fail (SUPA_IS_OVERVIEW_PAGE (self));
  g_return_if_fail (!check || SUPA_IS_HEALTH_CHECK (check));

  if (!g_set_object (&self->health_check, check))
    return;

  gtk_list_box_bind_model (self->services_list,
                           check != NULL ? G_LIST_MODEL (check) : NULL,
                           check != NULL ? create_health_row_cb : NULL,
                           NULL, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HEALTH_CHECK]);
}

gboolean
supa_overview_page_get_rls_warning_visible (SupaOverviewPage *self)
{
  g_return_val_if_fail (SUPA_IS_OVERVIEW_PAGE (self), FALSE);

  return gtk_widget_get_visible (self->rls_warning);
}
