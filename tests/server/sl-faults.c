/* sl-faults.c — fault injection for supabase-local.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A fault SPEC is KIND[:key=value[,key=value…]] (see README.md):
 *
 *   latency:ms=200[,prefix=/rest/v1]
 *   status:code=503[,retry-after=2]
 *   reset-response:after=1048576,prefix=/storage/v1/object
 *   reset-request:after=3145728,prefix=/storage/v1/upload/resumable
 *   ws-kill:every=5
 *
 * Common keys: prefix (raw request path prefix, default "/"), method (e.g.
 * PATCH), share (0…1, default 1) and count (fire at most N times). A share
 * is deterministic: of the matching requests, fault k (0-based) fires when
 * ceil((k+1)·share) > ceil(k·share), so share=0.5 fires on the 1st, 3rd, 5th…
 */

#define G_LOG_DOMAIN "supabase-local"

#include "sl-core-private.h"

#include <math.h>
#include <string.h>

typedef struct
{
  SlFaultKind kind;
  char       *prefix;
  char       *method;
  double      share;
  gint64      count;              /* -1 = unlimited */
  guint       ms;
  guint       code;
  guint       retry_after;
  gint64      after;
  guint       every;
  /* runtime */
  guint64     seen;
  guint64     fired;
} SlFault;

struct _SlFaults
{
  GMutex     lock;
  GPtrArray *faults;              /* SlFault* */
};

static void
fault_free (gpointer data)
{
  SlFault *f = data;

  g_free (f->prefix);
  g_free (f->method);
  g_free (f);
}

static const char *
kind_name (SlFaultKind kind)
{
  switch (kind)
    {
    case SL_FAULT_LATENCY:        return "latency";
    case SL_FAULT_STATUS:         return "status";
    case SL_FAULT_RESET_RESPONSE: return "reset-response";
    case SL_FAULT_RESET_REQUEST:  return "reset-request";
    case SL_FAULT_WS_KILL:        return "ws-kill";
    case SL_FAULT_NONE:
    default:                      return "none";
    }
}

static gboolean
parse_uint (const char  *spec,
            const char  *key,
            const char  *value,
            guint64      max,
            guint64     *out,
            GError     **error)
{
  guint64 v;

  if (!g_ascii_string_to_unsigned (value, 10, 0, max, &v, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Fault \"%s\": %s must be a whole number up to %" G_GUINT64_FORMAT,
                   spec, key, max);
      return FALSE;
    }
  *out = v;
  return TRUE;
}

static SlFault *
parse_spec (const char  *spec,
            GError     **error)
{
  g_autoptr(GPtrArray) keys_seen = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *kind = NULL;
  const char *colon;
  SlFault *f;
  g_auto(GStrv) params = NULL;
  gboolean have_main = FALSE;

  if (spec == NULL || *spec == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "Empty fault spec");
      return NULL;
    }
  colon = strchr (spec, ':');
  kind = colon ? g_strndup (spec, colon - spec) : g_strdup (spec);

  f = g_new0 (SlFault, 1);
  f->prefix = g_strdup ("/");
  f->share = 1.0;
  f->count = -1;
  f->after = 0;

  if (g_str_equal (kind, "latency"))
    f->kind = SL_FAULT_LATENCY;
  else if (g_str_equal (kind, "status"))
    f->kind = SL_FAULT_STATUS;
  else if (g_str_equal (kind, "reset-response"))
    f->kind = SL_FAULT_RESET_RESPONSE;
  else if (g_str_equal (kind, "reset-request"))
    f->kind = SL_FAULT_RESET_REQUEST;
  else if (g_str_equal (kind, "ws-kill"))
    f->kind = SL_FAULT_WS_KILL;
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Fault \"%s\": unknown kind \"%s\" (latency, status, reset-response, "
                   "reset-request, ws-kill)", spec, kind);
      fault_free (f);
      return NULL;
    }

  params = colon && colon[1] ? g_strsplit (colon + 1, ",", -1) : g_new0 (char *, 1);
  for (guint i = 0; params[i]; i++)
    {
      const char *eq = strchr (params[i], '=');
      g_autofree char *key = NULL;
      const char *value;
      guint64 v = 0;
      gboolean ok = TRUE;

      if (eq == NULL || eq == params[i])
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "Fault \"%s\": expected key=value, got \"%s\"", spec, params[i]);
          fault_free (f);
          return NULL;
        }
      key = g_strndup (params[i], eq - params[i]);
      value = eq + 1;

      for (guint k = 0; k < keys_seen->len; k++)
        if (g_str_equal (keys_seen->pdata[k], key))
          {
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                         "Fault \"%s\": %s given twice", spec, key);
            fault_free (f);
            return NULL;
          }
      g_ptr_array_add (keys_seen, g_strdup (key));

      if (g_str_equal (key, "prefix") && f->kind != SL_FAULT_WS_KILL)
        {
          if (value[0] != '/')
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "Fault \"%s\": prefix must start with /", spec);
              ok = FALSE;
            }
          g_free (f->prefix);
          f->prefix = g_strdup (value);
        }
      else if (g_str_equal (key, "method") && f->kind != SL_FAULT_WS_KILL)
        {
          g_free (f->method);
          f->method = g_ascii_strup (value, -1);
        }
      else if (g_str_equal (key, "share") && f->kind != SL_FAULT_WS_KILL)
        {
          char *end = NULL;
          double d = g_ascii_strtod (value, &end);

          if (end == value || *end != '\0' || !(d >= 0.0 && d <= 1.0))
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "Fault \"%s\": share must be a number from 0 to 1", spec);
              ok = FALSE;
            }
          f->share = d;
        }
      else if (g_str_equal (key, "count") && f->kind != SL_FAULT_WS_KILL)
        {
          ok = parse_uint (spec, key, value, G_MAXINT64, &v, error);
          f->count = (gint64) v;
        }
      else if (g_str_equal (key, "ms") && f->kind == SL_FAULT_LATENCY)
        {
          ok = parse_uint (spec, key, value, 600000, &v, error);
          f->ms = (guint) v;
          have_main = TRUE;
        }
      else if (g_str_equal (key, "code") && f->kind == SL_FAULT_STATUS)
        {
          ok = parse_uint (spec, key, value, 599, &v, error);
          if (ok && v < 400)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "Fault \"%s\": code must be an error status (400–599)", spec);
              ok = FALSE;
            }
          f->code = (guint) v;
          have_main = TRUE;
        }
      else if (g_str_equal (key, "retry-after") && f->kind == SL_FAULT_STATUS)
        {
          ok = parse_uint (spec, key, value, 86400, &v, error);
          f->retry_after = (guint) v;
        }
      else if (g_str_equal (key, "after") &&
               (f->kind == SL_FAULT_RESET_RESPONSE || f->kind == SL_FAULT_RESET_REQUEST))
        {
          ok = parse_uint (spec, key, value, G_MAXINT64, &v, error);
          f->after = (gint64) v;
          have_main = TRUE;
        }
      else if (g_str_equal (key, "every") && f->kind == SL_FAULT_WS_KILL)
        {
          ok = parse_uint (spec, key, value, 86400, &v, error);
          if (ok && v == 0)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "Fault \"%s\": every must be at least 1 (seconds)", spec);
              ok = FALSE;
            }
          f->every = (guint) v;
          have_main = TRUE;
        }
      else
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "Fault \"%s\": unknown key \"%s\" for %s", spec, key, kind);
          ok = FALSE;
        }

      if (!ok)
        {
          fault_free (f);
          return NULL;
        }
    }

  if (!have_main)
    {
      static const char * const main_key[] = {
        [SL_FAULT_LATENCY] = "ms", [SL_FAULT_STATUS] = "code",
        [SL_FAULT_RESET_RESPONSE] = NULL, [SL_FAULT_RESET_REQUEST] = NULL,
        [SL_FAULT_WS_KILL] = "every",
      };

      if (main_key[f->kind] != NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "Fault \"%s\": %s needs %s=…", spec, kind, main_key[f->kind]);
          fault_free (f);
          return NULL;
        }
    }
  return f;
}

static char *
fault_to_string (const SlFault *f)
{
  GString *s = g_string_new (kind_name (f->kind));
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_c (s, ':');
  switch (f->kind)
    {
    case SL_FAULT_LATENCY:
      g_string_append_printf (s, "ms=%u", f->ms);
      break;
    case SL_FAULT_STATUS:
      g_string_append_printf (s, "code=%u", f->code);
      if (f->retry_after > 0)
        g_string_append_printf (s, ",retry-after=%u", f->retry_after);
      break;
    case SL_FAULT_RESET_RESPONSE:
    case SL_FAULT_RESET_REQUEST:
      g_string_append_printf (s, "after=%" G_GINT64_FORMAT, f->after);
      break;
    case SL_FAULT_WS_KILL:
      g_string_append_printf (s, "every=%u", f->every);
      return g_string_free (s, FALSE);
    case SL_FAULT_NONE:
    default:
      break;
    }
  if (!g_str_equal (f->prefix, "/"))
    g_string_append_printf (s, ",prefix=%s", f->prefix);
  if (f->method != NULL)
    g_string_append_printf (s, ",method=%s", f->method);
  if (f->share < 1.0)
    g_string_append_printf (s, ",share=%s", g_ascii_dtostr (buf, sizeof buf, f->share));
  if (f->count >= 0)
    g_string_append_printf (s, ",count=%" G_GINT64_FORMAT, f->count);
  return g_string_free (s, FALSE);
}

SlFaults *
sl_faults_new (void)
{
  SlFaults *faults = g_new0 (SlFaults, 1);

  g_mutex_init (&faults->lock);
  faults->faults = g_ptr_array_new_with_free_func (fault_free);
  return faults;
}

void
sl_faults_free (SlFaults *faults)
{
  if (faults == NULL)
    return;
  g_ptr_array_unref (faults->faults);
  g_mutex_clear (&faults->lock);
  g_free (faults);
}

gboolean
sl_faults_set (SlFaults            *faults,
               const char * const  *specs,
               GError             **error)
{
  g_autoptr(GPtrArray) parsed = g_ptr_array_new_with_free_func (fault_free);

  for (guint i = 0; specs && specs[i]; i++)
    {
      SlFault *f = parse_spec (specs[i], error);

      if (f == NULL)
        return FALSE;
      g_ptr_array_add (parsed, f);
    }
  g_mutex_lock (&faults->lock);
  g_ptr_array_unref (faults->faults);
  faults->faults = g_steal_pointer (&parsed);
  g_mutex_unlock (&faults->lock);
  return TRUE;
}

gboolean
sl_faults_add (SlFaults    *faults,
               const char  *spec,
               GError     **error)
{
  SlFault *f = parse_spec (spec, error);

  if (f == NULL)
    return FALSE;
  g_mutex_lock (&faults->lock);
  g_ptr_array_add (faults->faults, f);
  g_mutex_unlock (&faults->lock);
  return TRUE;
}

JsonNode *
sl_faults_to_json (SlFaults *faults)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  g_mutex_lock (&faults->lock);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "faults");
  json_builder_begin_array (b);
  for (guint i = 0; i < faults->faults->len; i++)
    {
      g_autofree char *s = fault_to_string (faults->faults->pdata[i]);
      json_builder_add_string_value (b, s);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "fired");
  json_builder_begin_array (b);
  for (guint i = 0; i < faults->faults->len; i++)
    json_builder_add_int_value (b, ((SlFault *) faults->faults->pdata[i])->fired);
  json_builder_end_array (b);
  json_builder_end_object (b);
  g_mutex_unlock (&faults->lock);
  return json_builder_get_root (b);
}

static gboolean
share_fires (SlFault *f)
{
  guint64 k = f->seen++;

  if (f->share >= 1.0)
    return TRUE;
  if (f->share <= 0.0)
    return FALSE;
  return ceil ((k + 1) * f->share - 1e-9) > ceil (k * f->share - 1e-9);
}

void
sl_faults_plan (SlFaults    *faults,
                const char  *method,
                const char  *path,
                SlFaultPlan *plan)
{
  memset (plan, 0, sizeof *plan);
  plan->reset_request_after = -1;
  plan->reset_response_after = -1;

  g_mutex_lock (&faults->lock);
  for (guint i = 0; i < faults->faults->len; i++)
    {
      SlFault *f = faults->faults->pdata[i];

      if (f->kind == SL_FAULT_WS_KILL)
        continue;
      if (!g_str_has_prefix (path, f->prefix))
        continue;
      if (f->method != NULL && g_strcmp0 (f->method, method) != 0)
        continue;
      if (f->count >= 0 && f->fired >= (guint64) f->count)
        continue;
      /* One fault of each kind per request is enough; later ones wait. */
      if ((f->kind == SL_FAULT_STATUS && plan->status != 0) ||
          (f->kind == SL_FAULT_RESET_RESPONSE && plan->reset_response_after >= 0) ||
          (f->kind == SL_FAULT_RESET_REQUEST && plan->reset_request_after >= 0))
        continue;
      if (!share_fires (f))
        continue;

      f->fired++;
      switch (f->kind)
        {
        case SL_FAULT_LATENCY:
          plan->latency_ms += f->ms;
          break;
        case SL_FAULT_STATUS:
          plan->status = f->code;
          plan->retry_after = f->retry_after;
          break;
        case SL_FAULT_RESET_RESPONSE:
          plan->reset_response_after = f->after;
          break;
        case SL_FAULT_RESET_REQUEST:
          plan->reset_request_after = f->after;
          break;
        case SL_FAULT_WS_KILL:
        case SL_FAULT_NONE:
        default:
          break;
        }
    }
  g_mutex_unlock (&faults->lock);
}

guint
sl_faults_get_ws_kill_interval (SlServer *server)
{
  SlFaults *faults;
  guint every = 0;

  g_return_val_if_fail (server != NULL, 0);
  faults = sl_core (server)->faults;
  if (faults == NULL)
    return 0;

  g_mutex_lock (&faults->lock);
  for (guint i = 0; i < faults->faults->len; i++)
    {
      SlFault *f = faults->faults->pdata[i];

      if (f->kind == SL_FAULT_WS_KILL && (every == 0 || f->every < every))
        every = f->every;
    }
  g_mutex_unlock (&faults->lock);
  return every;
}

static void
set_message (SlResponse *resp,
             guint       status,
             const char *message)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  sl_response_set_json (resp, status, root);
}

/* GET lists, POST {"faults":[…]} replaces, DELETE clears. service_role only. */
void
sl_faults_handle (SlRequest  *req,
                  SlResponse *resp,
                  gpointer    user_data)
{
  SlFaults *faults = user_data;
  g_autoptr(GError) jwt_error = NULL;
  g_autoptr(JsonNode) listing = NULL;

  if (!sl_request_authenticate (req, SL_AUTH_REQUIRE_APIKEY, resp, &jwt_error))
    return;
  if (jwt_error != NULL || g_strcmp0 (req->role, "service_role") != 0)
    {
      set_message (resp, 403, "The service_role key is required to change faults");
      return;
    }
  if (req->subpath[0] != '\0' && g_strcmp0 (req->subpath, "/") != 0)
    {
      set_message (resp, 404, "Not found");
      return;
    }

  if (g_str_equal (req->method, "POST") || g_str_equal (req->method, "PUT"))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) body = sl_request_parse_json (req, &error);
      g_autoptr(GPtrArray) specs = g_ptr_array_new ();
      JsonArray *arr;

      if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body) ||
          json_object_get_member (json_node_get_object (body), "faults") == NULL ||
          !JSON_NODE_HOLDS_ARRAY (json_object_get_member (json_node_get_object (body), "faults")))
        {
          set_message (resp, 400, "Expected a JSON body {\"faults\":[\"SPEC\",…]}");
          return;
        }
      arr = json_object_get_array_member (json_node_get_object (body), "faults");
      for (guint i = 0; i < json_array_get_length (arr); i++)
        {
          JsonNode *n = json_array_get_element (arr, i);

          if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
            {
              set_message (resp, 400, "Each fault must be a SPEC string");
              return;
            }
          g_ptr_array_add (specs, (gpointer) json_node_get_string (n));
        }
      g_ptr_array_add (specs, NULL);
      if (!sl_faults_set (faults, (const char * const *) specs->pdata, &error))
        {
          set_message (resp, 400, error->message);
          return;
        }
      g_printerr ("supabase-local: faults replaced (%u)\n", specs->len - 1);
    }
  else if (g_str_equal (req->method, "DELETE"))
    {
      sl_faults_set (faults, NULL, NULL);
      g_printerr ("supabase-local: faults cleared\n");
    }
  else if (!g_str_equal (req->method, "GET") && !g_str_equal (req->method, "HEAD"))
    {
      set_message (resp, 405, "Use GET, POST or DELETE");
      return;
    }

  listing = sl_faults_to_json (faults);
  sl_response_set_json (resp, 200, listing);
}
