/* supa-cell-widgets.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "supa-cell-widgets"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "supa-cell-widgets.h"
#include "supa-error.h"

/* Longer values are cut before they reach Pango: a cell shows one line. */
#define MAX_CELL_CHARS 200

/* Doubles with 15 significant digits: 89.9, not 89.900000000000006. */
static char *
format_double (double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.15g", value));
}

char *
supa_cell_format_value (JsonNode *value,
                        gboolean *is_null)
{
  g_autofree char *text = NULL;
  GString *line;

  if (is_null != NULL)
    *is_null = FALSE;

  if (value == NULL)
    return g_strdup ("");

  switch (json_node_get_node_type (value))
    {
    case JSON_NODE_NULL:
      if (is_null != NULL)
        *is_null = TRUE;
      return g_strdup ("NULL");

    case JSON_NODE_VALUE:
      if (json_node_get_value_type (value) == G_TYPE_STRING)
        text = g_strdup (json_node_get_string (value));
      else if (json_node_get_value_type (value) == G_TYPE_BOOLEAN)
        text = g_strdup (json_node_get_boolean (value) ? "true" : "false");
      else if (json_node_get_value_type (value) == G_TYPE_DOUBLE)
        text = format_double (json_node_get_double (value));
      else
        text = json_to_string (value, FALSE);
      break;

    case JSON_NODE_OBJECT:
    case JSON_NODE_ARRAY:
    default:
      text = json_to_string (value, FALSE);
      break;
    }

  /* One line: newlines and tabs become visible marks, the rest is cut. */
  line = g_string_new (NULL);
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_utf8_strlen (line->str, -1) >= MAX_CELL_CHARS)
        {
          g_string_append (line, "…");
          break;
        }

      if (c == '\n')
        g_string_append (line, "⏎");
      else if (c == '\r')
        continue;
      else if (c == '\t')
        g_string_append_c (line, ' ');
      else
        g_string_append_unichar (line, c);
    }

  return g_string_free (line, FALSE);
}

/* PostgREST sends timestamptz as ISO 8601 with an offset
 * ("2024-05-01T10:11:12.5+00:00"): shown in the local time zone, to the
 * second. Anything else (timestamp without time zone, unparsable text) is
 * left alone. */
static char *
format_timestamptz (const char *text)
{
  g_autoptr(GTimeZone) utc = NULL;
  g_autoptr(GDateTime) parsed = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (text == NULL)
    return NULL;

  utc = g_time_zone_new_utc ();
  parsed = g_date_time_new_from_iso8601 (text, utc);
  if (parsed == NULL)
    return NULL;

  local = g_date_time_to_local (parsed);
  if (local == NULL)
    return NULL;

  return g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
}

static gboolean
column_is_timestamptz (SupaColumnInfo *column)
{
  const char *type;

  if (column == NULL)
    return FALSE;

  type = supa_column_info_get_type_name (column);
  return g_strcmp0 (type, "timestamp with time zone") == 0 ||
         g_strcmp0 (type, "timestamptz") == 0;
}

char *
supa_cell_format_column_value (SupaColumnInfo *column,
                               JsonNode       *value,
                               gboolean       *is_null)
{
  if (column_is_timestamptz (column) && value != NULL &&
      JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
    {
      char *local = format_timestamptz (json_node_get_string (value));

      if (local != NULL)
        {
          if (is_null != NULL)
            *is_null = FALSE;
          return local;
        }
    }

  return supa_cell_format_value (value, is_null);
}

/* --- SupaCell ----------------------------------------------------------- */

/* A cell draws its one line itself instead of holding a GtkLabel: GTK 4.8's
 * column view keeps about 200 rows bound around the visible ones, and a
 * label measures (shapes) its text again whenever it changes, so every
 * arriving page re-laid out ~1,000 labels on the main thread. A cell's
 * size does not depend on its text (one line of the current font; the
 * browser gives columns fixed widths), so a new value only queues a redraw
 * and the text is shaped once, when it is drawn. */

struct _SupaCell
{
  GtkWidget       parent_instance;

  SupaColumnInfo *column;
  SupaRow        *row;
  char           *text;
  PangoLayout    *layout;        /* of text, NULL until drawn or after a change */
  int             layout_width;
  float           xalign;
  gboolean        is_null;
  gboolean        dim;
};

G_DEFINE_FINAL_TYPE (SupaCell, supa_cell, GTK_TYPE_WIDGET)

enum {
  CELL_EDIT_REQUESTED,
  CELL_PRESSED,
  N_CELL_SIGNALS
};

static guint cell_signals[N_CELL_SIGNALS];

/* Dimmed text (placeholders, NULL) as Adwaita's .dim-label draws it. */
#define DIM_ALPHA 0.55f

static gboolean
column_is_numeric (SupaColumnInfo *column)
{
  SupaColumnKind kind = supa_column_info_get_kind (column);

  return kind == SUPA_COLUMN_KIND_INTEGER || kind == SUPA_COLUMN_KIND_NUMBER;
}

/* Line height and character width of a font, in pixels: asked for every
 * cell's measure, so kept per font description (a handful per run). */
typedef struct
{
  double resolution;   /* the screen's DPI the sizes were measured at */
  int    line_height;
  int    char_width;
} FontSize;

static const FontSize *
font_size_for (GtkWidget *widget)
{
  static GHashTable *sizes;
  PangoContext *context = gtk_widget_get_pango_context (widget);
  const PangoFontDescription *desc = pango_context_get_font_description (context);
  double resolution = pango_cairo_context_get_resolution (context);
  FontSize *size;

  if (sizes == NULL)
    sizes = g_hash_table_new_full ((GHashFunc) pango_font_description_hash,
                                   (GEqualFunc) pango_font_description_equal,
                                   (GDestroyNotify) pango_font_description_free, g_free);

  size = g_hash_table_lookup (sizes, desc);
  if (size == NULL || size->resolution != resolution)
    {
      PangoFontMetrics *metrics = pango_context_get_metrics (context, desc, NULL);
      int height = pango_font_metrics_get_height (metrics);

      if (height <= 0)
        height = pango_font_metrics_get_ascent (metrics) + pango_font_metrics_get_descent (metrics);

      size = g_new0 (FontSize, 1);
      size->resolution = resolution;
      size->line_height = MAX (1, PANGO_PIXELS_CEIL (height));
      size->char_width = MAX (1, PANGO_PIXELS_CEIL (MAX (pango_font_metrics_get_approximate_char_width (metrics),
                                                         pango_font_metrics_get_approximate_digit_width (metrics))));
      pango_font_metrics_unref (metrics);
      g_hash_table_replace (sizes, pango_font_description_copy (desc), size);
    }

  return size;
}

static void
supa_cell_measure (GtkWidget      *widget,
                   GtkOrientation  orientation,
                   int             for_size,
                   int            *minimum,
                   int            *natural,
                   int            *minimum_baseline,
                   int            *natural_baseline)
{
  const FontSize *size = font_size_for (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      /* What the label used to ask for: 4 characters, ellipsized. */
      *minimum = 4 * size->char_width;
      *natural = 24 * size->char_width;
    }
  else
    *minimum = *natural = size->line_height;
}

static void
supa_cell_snapshot (GtkWidget   *widget,
                    GtkSnapshot *snapshot)
{
  SupaCell *self = SUPA_CELL (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  PangoRectangle logical;
  GdkRGBA color;

  if (self->text == NULL || self->text[0] == '\0' || width <= 0)
    return;

  /* The layout uses the widget's own Pango context, which GTK updates
   * when the font changes: it then lays itself out again. */
  if (self->layout == NULL)
    {
      self->layout = gtk_widget_create_pango_layout (widget, self->text);
      pango_layout_set_single_paragraph_mode (self->layout, TRUE);
      pango_layout_set_ellipsize (self->layout, PANGO_ELLIPSIZE_END);
      pango_layout_set_alignment (self->layout, self->xalign > 0.5f ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
      if (self->is_null)
        {
          PangoAttrList *attrs = pango_attr_list_new ();

          pango_attr_list_insert (attrs, pango_attr_style_new (PANGO_STYLE_ITALIC));
          pango_layout_set_attributes (self->layout, attrs);
          pango_attr_list_unref (attrs);
        }
      self->layout_width = -1;
    }
  if (self->layout_width != width)
    {
      pango_layout_set_width (self->layout, width * PANGO_SCALE);
      self->layout_width = width;
    }

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  G_GNUC_END_IGNORE_DEPRECATIONS
  if (self->dim)
    color.alpha *= DIM_ALPHA;

  pango_layout_get_pixel_extents (self->layout, NULL, &logical);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (0, (float) (height - logical.height) / 2));
  gtk_snapshot_append_layout (snapshot, self->layout, &color);
  gtk_snapshot_restore (snapshot);
}

static void
supa_cell_set_text (SupaCell   *self,
                    const char *text,
                    gboolean    is_null,
                    gboolean    dim)
{
  if (g_strcmp0 (self->text, text) == 0 && self->is_null == is_null && self->dim == dim)
    return;

  if (g_strcmp0 (self->text, text) != 0)
    {
      g_free (self->text);
      self->text = g_strdup (text);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, self->text,
                                      -1);
    }
  if (self->is_null != is_null)
    {
      if (is_null)
        gtk_widget_add_css_class (GTK_WIDGET (self), "null-value");
      else
        gtk_widget_remove_css_class (GTK_WIDGET (self), "null-value");
    }
  self->is_null = is_null;
  self->dim = dim;
  g_clear_object (&self->layout);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
supa_cell_update (SupaCell *self)
{
  g_autofree char *text = NULL;
  gboolean is_null = FALSE;
  JsonNode *value;

  if (self->row == NULL || !supa_row_get_loaded (self->row))
    {
      supa_cell_set_text (self, self->row != NULL ? "…" : "", FALSE, TRUE);
      return;
    }

  value = supa_row_get_value (self->row, supa_column_info_get_name (self->column));
  text = supa_cell_format_column_value (self->column, value, &is_null);
  supa_cell_set_text (self, text, is_null, is_null);
}

/* The full value when the cell shows less: a converted timestamp, a cut
 * or multi-line text, compact JSON pretty-printed. Computed only when GTK
 * asks (query-tooltip): gtk_widget_set_tooltip_text() on every update made
 * GTK 4.8 ask the X server for the pointer position each time, a
 * synchronous round trip per bound cell per arriving page. */
static char *
cell_dup_tooltip (SupaCell *self)
{
  g_autofree char *full = NULL;
  JsonNode *value;

  if (self->row == NULL || !supa_row_get_loaded (self->row) || self->is_null)
    return NULL;

  value = supa_row_get_value (self->row, supa_column_info_get_name (self->column));
  if (value == NULL || JSON_NODE_HOLDS_NULL (value))
    return NULL;

  if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
    full = g_strdup (json_node_get_string (value));
  else if (!JSON_NODE_HOLDS_VALUE (value))
    full = json_to_string (value, TRUE);

  if (full == NULL)
    return NULL;

  if (g_utf8_strlen (full, -1) > 4096)
    {
      /* Tooltips are no place for megabytes. */
      char *end = g_utf8_offset_to_pointer (full, 4096);

      *end = '\0';
    }

  if (g_strcmp0 (full, self->text) == 0)
    return NULL;

  return g_steal_pointer (&full);
}

static gboolean
supa_cell_query_tooltip (GtkWidget  *widget,
                         int         x,
                         int         y,
                         gboolean    keyboard_tooltip,
                         GtkTooltip *tooltip)
{
  g_autofree char *text = cell_dup_tooltip (SUPA_CELL (widget));

  if (text == NULL)
    return FALSE;

  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
cell_click_pressed_cb (GtkGestureClick *gesture,
                       int              n_press,
                       double           x,
                       double           y,
                       SupaCell        *self)
{
  /* The row's own gesture claims the click (selection, activation), so
   * double clicks reach the view as GtkColumnView::activate; tell the
   * view which cell was hit. */
  g_signal_emit (self, cell_signals[CELL_PRESSED], 0);
  gtk_widget_grab_focus (GTK_WIDGET (self));

  if (n_press == 2 && self->row != NULL && supa_row_get_loaded (self->row))
    g_signal_emit (self, cell_signals[CELL_EDIT_REQUESTED], 0);
}

static gboolean
cell_key_pressed_cb (GtkEventControllerKey *controller,
                     guint                  keyval,
                     guint                  keycode,
                     GdkModifierType        state,
                     SupaCell              *self)
{
  if ((state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK)) != 0)
    return FALSE;

  if (keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter ||
      keyval == GDK_KEY_ISO_Enter || keyval == GDK_KEY_F2)
    {
      if (self->row != NULL && supa_row_get_loaded (self->row))
        g_signal_emit (self, cell_signals[CELL_EDIT_REQUESTED], 0);
      return TRUE;
    }

  return FALSE;
}

static void
supa_cell_dispose (GObject *object)
{
  SupaCell *self = SUPA_CELL (object);

  supa_cell_set_row (self, NULL);
  g_clear_object (&self->layout);
  g_clear_object (&self->column);

  G_OBJECT_CLASS (supa_cell_parent_class)->dispose (object);
}

static void
supa_cell_finalize (GObject *object)
{
  SupaCell *self = SUPA_CELL (object);

  g_free (self->text);

  G_OBJECT_CLASS (supa_cell_parent_class)->finalize (object);
}

static void
supa_cell_class_init (SupaCellClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = supa_cell_dispose;
  object_class->finalize = supa_cell_finalize;
  widget_class->measure = supa_cell_measure;
  widget_class->snapshot = supa_cell_snapshot;
  widget_class->query_tooltip = supa_cell_query_tooltip;

  cell_signals[CELL_EDIT_REQUESTED] =
    g_signal_new ("edit-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  cell_signals[CELL_PRESSED] =
    g_signal_new ("pressed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_css_name (widget_class, "supa-cell");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_CELL);
}

static void
supa_cell_init (SupaCell *self)
{
  GtkEventController *key;
  GtkGesture *click;

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  /* Once: the text is computed when asked (supa_cell_query_tooltip). */
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  self->text = g_strdup ("");

  click = gtk_gesture_click_new ();
  g_signal_connect (click, "pressed", G_CALLBACK (cell_click_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  key = gtk_event_controller_key_new ();
  g_signal_connect (key, "key-pressed", G_CALLBACK (cell_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), key);
}

GtkWidget *
supa_cell_new (SupaColumnInfo *column)
{
  SupaCell *self;

  g_return_val_if_fail (SUPA_IS_COLUMN_INFO (column), NULL);

  self = g_object_new (SUPA_TYPE_CELL, NULL);
  self->column = g_object_ref (column);

  if (column_is_numeric (column))
    self->xalign = 1;
  if (supa_column_info_get_kind (column) == SUPA_COLUMN_KIND_JSON ||
      supa_column_info_get_kind (column) == SUPA_COLUMN_KIND_ARRAY)
    gtk_widget_add_css_class (GTK_WIDGET (self), "monospace");

  /* The column names the cell; its description is the text shown. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, supa_column_info_get_name (column),
                                  -1);

  return GTK_WIDGET (self);
}

SupaColumnInfo *
supa_cell_get_column (SupaCell *self)
{
  g_return_val_if_fail (SUPA_IS_CELL (self), NULL);

  return self->column;
}

SupaRow *
supa_cell_get_row (SupaCell *self)
{
  g_return_val_if_fail (SUPA_IS_CELL (self), NULL);

  return self->row;
}

void
supa_cell_set_row (SupaCell *self,
                   SupaRow  *row)
{
  g_return_if_fail (SUPA_IS_CELL (self));
  g_return_if_fail (!row || SUPA_IS_ROW (row));

  if (self->row == row)
    {
      supa_cell_update (self);
      return;
    }

  if (self->row != NULL)
    g_signal_handlers_disconnect_by_data (self->row, self);
  g_set_object (&self->row, row);
  if (self->row != NULL)
    {
      /* "values" changes whenever "loaded" does (both in one freeze):
       * one update per change, not two. */
      g_signal_connect_swapped (self->row, "notify::values", G_CALLBACK (supa_cell_update), self);
    }

  supa_cell_update (self);
}

char *
supa_cell_dup_tooltip_text (SupaCell *self)
{
  g_return_val_if_fail (SUPA_IS_CELL (self), NULL);

  return cell_dup_tooltip (self);
}

const char *
supa_cell_get_text (SupaCell *self)
{
  g_return_val_if_fail (SUPA_IS_CELL (self), NULL);

  return self->text;
}

gboolean
supa_cell_get_is_null (SupaCell *self)
{
  g_return_val_if_fail (SUPA_IS_CELL (self), FALSE);

  return self->is_null;
}

/* --- SupaValueEditor ---------------------------------------------------- */

struct _SupaValueEditor
{
  GtkWidget       parent_instance;

  SupaColumnInfo *column;
  GtkWidget      *child;     /* the outermost widget */
  GtkEntry       *entry;     /* text, numbers */
  GtkCheckButton *check;     /* boolean */
  GtkDropDown    *dropdown;  /* enum */
  GtkTextView    *text_view; /* json, arrays */
  gboolean        modified;
  gboolean        setting;
};

G_DEFINE_FINAL_TYPE (SupaValueEditor, supa_value_editor, GTK_TYPE_WIDGET)

enum {
  EDITOR_ACTIVATE,
  EDITOR_CHANGED,
  N_EDITOR_SIGNALS
};

static guint editor_signals[N_EDITOR_SIGNALS];

static void
editor_changed_cb (SupaValueEditor *self)
{
  if (self->setting)
    return;

  self->modified = TRUE;
  g_signal_emit (self, editor_signals[EDITOR_CHANGED], 0);
}

static void
editor_activate_cb (SupaValueEditor *self)
{
  g_signal_emit (self, editor_signals[EDITOR_ACTIVATE], 0);
}

static void
check_toggled_cb (SupaValueEditor *self)
{
  gtk_check_button_set_label (self->check,
                              gtk_check_button_get_active (self->check) ? "true" : "false");
  editor_changed_cb (self);
}

static gboolean
text_view_key_pressed_cb (GtkEventControllerKey *controller,
                          guint                  keyval,
                          guint                  keycode,
                          GdkModifierType        state,
                          SupaValueEditor       *self)
{
  /* Enter makes a new line in JSON; Ctrl+Enter commits. */
  if ((keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter) &&
      (state & GDK_CONTROL_MASK) != 0)
    {
      editor_activate_cb (self);
      return TRUE;
    }

  return FALSE;
}

static char *
editor_dup_text (SupaValueEditor *self)
{
  if (self->entry != NULL)
    return g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->entry)));

  if (self->text_view != NULL)
    {
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
      GtkTextIter start, end;

      gtk_text_buffer_get_bounds (buffer, &start, &end);
      return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
    }

  if (self->check != NULL)
    return g_strdup (gtk_check_button_get_active (self->check) ? "true" : "false");

  if (self->dropdown != NULL)
    {
      GtkStringObject *item = gtk_drop_down_get_selected_item (self->dropdown);

      return g_strdup (item != NULL ? gtk_string_object_get_string (item) : "");
    }

  return g_strdup ("");
}

static void
supa_value_editor_dispose (GObject *object)
{
  SupaValueEditor *self = SUPA_VALUE_EDITOR (object);

  g_clear_pointer (&self->child, gtk_widget_unparent);
  g_clear_object (&self->column);

  G_OBJECT_CLASS (supa_value_editor_parent_class)->dispose (object);
}

static gboolean
supa_value_editor_grab_focus (GtkWidget *widget)
{
  SupaValueEditor *self = SUPA_VALUE_EDITOR (widget);

  if (self->entry != NULL)
    return gtk_widget_grab_focus (GTK_WIDGET (self->entry));
  if (self->text_view != NULL)
    return gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
  if (self->check != NULL)
    return gtk_widget_grab_focus (GTK_WIDGET (self->check));
  if (self->dropdown != NULL)
    return gtk_widget_grab_focus (GTK_WIDGET (self->dropdown));

  return FALSE;
}

static void
supa_value_editor_class_init (SupaValueEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = supa_value_editor_dispose;
  widget_class->grab_focus = supa_value_editor_grab_focus;

  editor_signals[EDITOR_ACTIVATE] =
    g_signal_new ("activate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  editor_signals[EDITOR_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
supa_value_editor_init (SupaValueEditor *self)
{
}

GtkWidget *
supa_value_editor_new (SupaColumnInfo *column)
{
  SupaValueEditor *self;
  const char *name;

  g_return_val_if_fail (SUPA_IS_COLUMN_INFO (column), NULL);

  self = g_object_new (SUPA_TYPE_VALUE_EDITOR, NULL);
  self->column = g_object_ref (column);
  name = supa_column_info_get_name (column);

  switch (supa_column_info_get_kind (column))
    {
    case SUPA_COLUMN_KIND_BOOLEAN:
      self->check = GTK_CHECK_BUTTON (gtk_check_button_new_with_label ("false"));
      g_signal_connect_swapped (self->check, "toggled", G_CALLBACK (check_toggled_cb), self);
      self->child = GTK_WIDGET (self->check);
      break;

    case SUPA_COLUMN_KIND_ENUM:
      {
        const char * const *values = supa_column_info_get_enum_values (column);

        self->dropdown = GTK_DROP_DOWN (gtk_drop_down_new_from_strings (values != NULL ? values : (const char * const[]) { NULL }));
        g_signal_connect_swapped (self->dropdown, "notify::selected", G_CALLBACK (editor_changed_cb), self);
        self->child = GTK_WIDGET (self->dropdown);
      }
      break;

    case SUPA_COLUMN_KIND_JSON:
    case SUPA_COLUMN_KIND_ARRAY:
      {
        GtkWidget *scrolled = gtk_scrolled_window_new ();
        GtkEventController *key = gtk_event_controller_key_new ();

        self->text_view = GTK_TEXT_VIEW (gtk_text_view_new ());
        gtk_text_view_set_monospace (self->text_view, TRUE);
        gtk_text_view_set_wrap_mode (self->text_view, GTK_WRAP_WORD_CHAR);
        gtk_text_view_set_top_margin (self->text_view, 6);
        gtk_text_view_set_bottom_margin (self->text_view, 6);
        gtk_text_view_set_left_margin (self->text_view, 6);
        gtk_text_view_set_right_margin (self->text_view, 6);
        g_signal_connect_swapped (gtk_text_view_get_buffer (self->text_view), "changed",
                                  G_CALLBACK (editor_changed_cb), self);
        g_signal_connect (key, "key-pressed", G_CALLBACK (text_view_key_pressed_cb), self);
        gtk_widget_add_controller (GTK_WIDGET (self->text_view), key);
        gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (self->text_view));
        gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scrolled), 90);
        gtk_scrolled_window_set_min_content_width (GTK_SCROLLED_WINDOW (scrolled), 280);
        gtk_widget_add_css_class (scrolled, "card");
        self->child = scrolled;
      }
      break;

    case SUPA_COLUMN_KIND_INTEGER:
    case SUPA_COLUMN_KIND_NUMBER:
    case SUPA_COLUMN_KIND_TEXT:
    default:
      self->entry = GTK_ENTRY (gtk_entry_new ());
      if (column_is_numeric (column))
        {
          gtk_entry_set_input_purpose (self->entry,
                                       supa_column_info_get_kind (column) == SUPA_COLUMN_KIND_INTEGER
                                       ? GTK_INPUT_PURPOSE_DIGITS : GTK_INPUT_PURPOSE_NUMBER);
          gtk_entry_set_alignment (self->entry, 1.0);
        }
      if (supa_column_info_get_max_length (column) > 0)
        gtk_entry_set_max_length (self->entry, (int) MIN (supa_column_info_get_max_length (column), G_MAXINT));
      g_signal_connect_swapped (self->entry, "changed", G_CALLBACK (editor_changed_cb), self);
      g_signal_connect_swapped (self->entry, "activate", G_CALLBACK (editor_activate_cb), self);
      self->child = GTK_WIDGET (self->entry);
      break;
    }

  gtk_widget_set_hexpand (self->child, TRUE);
  gtk_widget_set_parent (self->child, GTK_WIDGET (self));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->text_view != NULL ? GTK_WIDGET (self->text_view) : self->child),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  -1);

  return GTK_WIDGET (self);
}

SupaColumnInfo *
supa_value_editor_get_column (SupaValueEditor *self)
{
  g_return_val_if_fail (SUPA_IS_VALUE_EDITOR (self), NULL);

  return self->column;
}

void
supa_value_editor_set_text (SupaValueEditor *self,
                            const char      *text)
{
  g_return_if_fail (SUPA_IS_VALUE_EDITOR (self));

  if (text == NULL)
    text = "";

  if (self->entry != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->entry), text);
  else if (self->text_view != NULL)
    gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), text, -1);
  else if (self->check != NULL)
    gtk_check_button_set_active (self->check, g_ascii_strcasecmp (text, "true") == 0 ||
                                              g_strcmp0 (text, "t") == 0);
  else if (self->dropdown != NULL)
    {
      GListModel *model = gtk_drop_down_get_model (self->dropdown);

      for (guint i = 0; i < g_list_model_get_n_items (model); i++)
        {
          g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

          if (g_strcmp0 (gtk_string_object_get_string (item), text) == 0)
            gtk_drop_down_set_selected (self->dropdown, i);
        }
    }
}

void
supa_value_editor_set_value (SupaValueEditor *self,
                             JsonNode        *value)
{
  g_autofree char *text = NULL;

  g_return_if_fail (SUPA_IS_VALUE_EDITOR (self));

  if (value == NULL || JSON_NODE_HOLDS_NULL (value))
    text = g_strdup ("");
  else if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
    text = g_strdup (json_node_get_string (value));
  else if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_BOOLEAN)
    text = g_strdup (json_node_get_boolean (value) ? "true" : "false");
  else if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_DOUBLE)
    text = format_double (json_node_get_double (value));
  else
    text = json_to_string (value, self->text_view != NULL);

  self->setting = TRUE;
  supa_value_editor_set_text (self, text);
  if (self->check != NULL)
    check_toggled_cb (self);
  self->setting = FALSE;
  self->modified = FALSE;
}

JsonNode *
supa_value_editor_get_value (SupaValueEditor  *self,
                             GError          **error)
{
  g_autofree char *text = NULL;
  g_autofree char *trimmed = NULL;
  JsonNode *node;

  g_return_val_if_fail (SUPA_IS_VALUE_EDITOR (self), NULL);

  text = editor_dup_text (self);
  trimmed = g_strstrip (g_strdup (text));

  switch (supa_column_info_get_kind (self->column))
    {
    case SUPA_COLUMN_KIND_BOOLEAN:
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_boolean (node, gtk_check_button_get_active (self->check));
      return node;

    case SUPA_COLUMN_KIND_INTEGER:
      {
        gint64 number;

        if (!g_ascii_string_to_signed (trimmed, 10, G_MININT64, G_MAXINT64, &number, NULL))
          {
            g_set_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                         _("“%s” is not a whole number"), trimmed);
            return NULL;
          }
        node = json_node_new (JSON_NODE_VALUE);
        json_node_set_int (node, number);
        return node;
      }

    case SUPA_COLUMN_KIND_NUMBER:
      {
        char *end = NULL;

        if (*trimmed != '\0')
          g_ascii_strtod (trimmed, &end);
        if (*trimmed == '\0' || end == NULL || *end != '\0')
          {
            g_set_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                         _("“%s” is not a number"), trimmed);
            return NULL;
          }
        /* Sent as text so PostgreSQL parses it: numeric keeps every digit. */
        node = json_node_new (JSON_NODE_VALUE);
        json_node_set_string (node, trimmed);
        return node;
      }

    case SUPA_COLUMN_KIND_JSON:
    case SUPA_COLUMN_KIND_ARRAY:
      {
        g_autoptr(JsonParser) parser = json_parser_new ();
        g_autoptr(GError) local_error = NULL;
        JsonNode *root;

        if (!json_parser_load_from_data (parser, text, -1, &local_error) ||
            json_parser_get_root (parser) == NULL)
          {
            g_set_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                         _("Not valid JSON: %s"),
                         local_error != NULL ? local_error->message : _("the text is empty"));
            return NULL;
          }
        root = json_parser_get_root (parser);
        if (supa_column_info_get_kind (self->column) == SUPA_COLUMN_KIND_ARRAY &&
            !JSON_NODE_HOLDS_ARRAY (root))
          {
            g_set_error_literal (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                                 _("This column holds an array: write it as [item, item, …]"));
            return NULL;
          }
        return json_node_copy (root);
      }

    case SUPA_COLUMN_KIND_ENUM:
    case SUPA_COLUMN_KIND_TEXT:
    default:
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_string (node, text);
      return node;
    }
}

gboolean
supa_value_editor_get_modified (SupaValueEditor *self)
{
  g_return_val_if_fail (SUPA_IS_VALUE_EDITOR (self), FALSE);

  return self->modified;
}

void
supa_value_editor_focus (SupaValueEditor *self)
{
  g_return_if_fail (SUPA_IS_VALUE_EDITOR (self));

  gtk_widget_grab_focus (GTK_WIDGET (self));
}
