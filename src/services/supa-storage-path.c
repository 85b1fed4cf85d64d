/* supa-storage-path.c — object key helpers for Storage
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "supa-storage"

#include "config.h"

#include "supa-storage-path.h"
#include "supa-error.h"

#include <glib/gi18n-lib.h>
#include <string.h>

char *
supa_storage_path_normalize (const char  *path,
                             gboolean     allow_empty,
                             GError     **error)
{
  g_auto(GStrv) parts = NULL;
  g_autoptr(GString) out = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (path == NULL)
    path = "";

  if (!g_utf8_validate (path, -1, NULL))
    {
      g_set_error_literal (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                           _("The file name is not valid UTF-8 text."));
      return NULL;
    }

  out = g_string_new (NULL);
  parts = g_strsplit (path, "/", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *segment = parts[i];

      if (*segment == '\0')
        continue;

      if (g_str_equal (segment, ".") || g_str_equal (segment, ".."))
        {
          g_set_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                       /* Translators: %s is "." or ".." */
                       _("A file or folder cannot be named “%s”."), segment);
          return NULL;
        }

      if (out->len > 0)
        g_string_append_c (out, '/');
      g_string_append (out, segment);
    }

  if (out->len == 0 && !allow_empty)
    {
      g_set_error_literal (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
                           _("The file name is empty."));
      return NULL;
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

char *
supa_storage_path_encode (const char *path)
{
  g_auto(GStrv) parts = NULL;
  GString *out;

  g_return_val_if_fail (path != NULL, NULL);

  out = g_string_new (NULL);
  parts = g_strsplit (path, "/", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append_c (out, '/');
      /* Everything but the unreserved characters is escaped, so "#", "?",
       * "%" and spaces survive the trip, and UTF-8 goes out as %XX. */
      g_string_append_uri_escaped (out, parts[i], NULL, FALSE);
    }

  return g_string_free (out, FALSE);
}

char *
supa_storage_path_route (const char *bucket,
                         const char *path)
{
  g_autofree char *escaped_bucket = NULL;
  g_autofree char *escaped_path = NULL;

  g_return_val_if_fail (bucket != NULL, NULL);

  escaped_bucket = g_uri_escape_string (bucket, NULL, FALSE);
  if (path == NULL || *path == '\0')
    return g_steal_pointer (&escaped_bucket);

  escaped_path = supa_storage_path_encode (path);
  return g_strconcat (escaped_bucket, "/", escaped_path, NULL);
}

char *
supa_storage_path_join (const char *prefix,
                        const char *name)
{
  gsize len;

  if (prefix == NULL || *prefix == '\0')
    return g_strdup (name ? name : "");
  if (name == NULL || *name == '\0')
    return g_strdup (prefix);

  len = strlen (prefix);
  if (prefix[len - 1] == '/')
    return g_strconcat (prefix, name, NULL);
  return g_strconcat (prefix, "/", name, NULL);
}

char *
supa_storage_path_basename (const char *path)
{
  const char *slash;

  g_return_val_if_fail (path != NULL, NULL);

  slash = strrchr (path, '/');
  return g_strdup (slash ? slash + 1 : path);
}

gboolean
supa_storage_parse_size (const char  *text,
                         gint64      *bytes,
                         GError     **error)
{
  static const struct { const char *unit; double factor; } units[] = {
    { "GB", 1e9 }, { "MB", 1e6 }, { "KB", 1e3 }, { "B", 1 },
  };
  g_autofree char *number = NULL;
  g_autofree char *stripped = NULL;
  double factor = 1;
  double value;
  const char *p;
  gboolean seen_digit = FALSE;
  gboolean seen_dot = FALSE;
  gboolean has_unit = FALSE;
  gsize len;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (bytes != NULL, FALSE);

  stripped = g_strstrip (g_strdup (text));
  len = strlen (stripped);

  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    {
      gsize ulen = strlen (units[i].unit);

      if (len > ulen && g_ascii_strcasecmp (stripped + len - ulen, units[i].unit) == 0)
        {
          number = g_strndup (stripped, len - ulen);
          factor = units[i].factor;
          has_unit = TRUE;
          break;
        }
    }
  if (number == NULL)
    number = g_strdup (stripped);

  /* ^[0-9]+(\.[0-9]+)?$, as Storage's schema demands */
  for (p = number; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        seen_digit = TRUE;
      else if (*p == '.' && seen_digit && !seen_dot && g_ascii_isdigit (p[1]))
        seen_dot = TRUE;
      else
        break;
    }

  /* a fraction needs a unit: "1.5" alone is not a size */
  if (*p != '\0' || !seen_digit || (seen_dot && !has_unit))
    goto invalid;

  value = g_ascii_strtod (number, NULL) * factor;
  if (value < 0 || value > (double) G_MAXINT64)
    goto invalid;

  *bytes = (gint64) (value + 0.5);
  return TRUE;

invalid:
  g_set_error (error, SUPA_ERROR, SUPA_ERROR_INVALID_INPUT,
               /* Translators: %s is what the person typed, e.g. "10 MB" */
               _("“%s” is not a size: use a number of bytes or a number with KB, MB or GB, such as 10MB."),
               text);
  return FALSE;
}
