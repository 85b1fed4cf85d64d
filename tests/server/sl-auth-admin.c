/* sl-auth-admin.c — GoTrue's admin API (/auth/v1/admin/..., /invite).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "sl-auth"

#include "sl-auth-private.h"

#include <stdlib.h>
#include <string.h>

#define DUPLICATE_EMAIL "A user with this email address has already been registered"

/* Go's strconv.ParseUint(s, 10, 64); @s non-empty. */
static gboolean
parse_uint (const char *s,
            guint64    *out)
{
  guint64 v = 0;

  if (s == NULL || *s == '\0')
    return FALSE;
  for (const char *p = s; *p; p++)
    {
      if (!g_ascii_isdigit (*p) || v > (G_MAXUINT64 - 9) / 10)
        return FALSE;
      v = v * 10 + (guint64) (*p - '0');
    }
  *out = v;
  return TRUE;
}

/* The Link URL: the upstream path and the request's query with @page
 * replaced, keys sorted (Go's url.Values.Encode). */
static char *
page_url (SlRequest *req,
          guint64    page)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  g_autoptr(GString) s = g_string_new ("/admin/users?");
  g_autofree char *page_str = g_strdup_printf ("%" G_GUINT64_FORMAT, page);
  gboolean first = TRUE;

  for (guint i = 0; req->query && i + 1 < req->query->len; i += 2)
    {
      const char *k = g_ptr_array_index (req->query, i);
      gboolean seen = FALSE;

      for (guint j = 0; j < keys->len; j++)
        if (g_str_equal (keys->pdata[j], k))
          seen = TRUE;
      if (!seen && !g_str_equal (k, "page"))
        g_ptr_array_add (keys, (gpointer) k);
    }
  g_ptr_array_add (keys, (gpointer) "page");
  /* Sort by byte order, as Go does. */
  for (guint a = 0; a < keys->len; a++)
    for (guint b = a + 1; b < keys->len; b++)
      if (strcmp (keys->pdata[a], keys->pdata[b]) > 0)
        {
          gpointer t = keys->pdata[a];
          keys->pdata[a] = keys->pdata[b];
          keys->pdata[b] = t;
        }

  for (guint j = 0; j < keys->len; j++)
    {
      const char *k = keys->pdata[j];
      g_autofree char *ek = sl_auth_query_escape (k);

      if (g_str_equal (k, "page"))
        {
          g_string_append_printf (s, "%s%s=%s", first ? "" : "&", ek, page_str);
          first = FALSE;
          continue;
        }
      for (guint i = 0; i + 1 < req->query->len; i += 2)
        if (g_str_equal (g_ptr_array_index (req->query, i), k))
          {
            g_autofree char *ev = sl_auth_query_escape (g_ptr_array_index (req->query, i + 1));

            g_string_append_printf (s, "%s%s=%s", first ? "" : "&", ek, ev);
            first = FALSE;
          }
    }
  return g_strdup (s->str);
}

static void
list_users (SlAuthCall *c)
{
  const char *qpage = sl_request_get_query (c->req, "page");
  const char *qper = sl_request_get_query (c->req, "per_page");
  const char *filter = sl_request_get_query (c->req, "filter");
  const char *sort = sl_request_get_query (c->req, "sort");
  guint64 page = 1, per_page = 50, count, total_pages;
  g_autofree char *like = NULL;
  g_autofree char *limit = NULL;
  g_autofree char *offset = NULL;
  g_autofree char *body = NULL;
  g_autofree char *link = NULL;
  g_autofree char *last = NULL;
  g_autofree char *count_str = NULL;
  const char *order = "desc";
  PGresult *res;

  if (qpage && *qpage && !parse_uint (qpage, &page))
    {
      sl_auth_error (c, 400, "validation_failed",
                     "Bad Pagination Parameters: strconv.ParseUint: parsing \"%s\": invalid syntax", qpage);
      return;
    }
  if (qper && *qper && !parse_uint (qper, &per_page))
    {
      sl_auth_error (c, 400, "validation_failed",
                     "Bad Pagination Parameters: strconv.ParseUint: parsing \"%s\": invalid syntax", qper);
      return;
    }
  if (per_page == 0)
    {
      sl_auth_error (c, 400, "validation_failed", "Bad Pagination Parameters: per_page must be greater than 0");
      return;
    }
  if (sort && *sort)
    {
      g_autofree char *copy = g_strstrip (g_strdup (sort));
      g_auto(GStrv) words = g_strsplit (copy, " ", -1);

      if (!g_str_equal (words[0], "created_at"))
        {
          sl_auth_error (c, 400, "validation_failed", "Bad Sort Parameters: %s is not a valid sort field", words[0]);
          return;
        }
      if (words[1] != NULL && g_ascii_strcasecmp (words[1], "asc") == 0)
        order = "asc";
      else if (words[1] != NULL && g_ascii_strcasecmp (words[1], "desc") != 0)
        {
          sl_auth_error (c, 400, "validation_failed", "Bad Sort Parameters: %s is not a valid sort direction", words[1]);
          return;
        }
    }

  like = g_strdup_printf ("%%%s%%", filter ? filter : "");
  limit = g_strdup_printf ("%" G_GUINT64_FORMAT, per_page);
  offset = g_strdup_printf ("%" G_GUINT64_FORMAT, (page > 0 ? page - 1 : 0) * per_page);
  {
    const char *p[] = { (filter && *filter) ? like : NULL, limit, offset };
    g_autofree char *sql = g_strdup_printf (
      "with f as (select id, created_at from auth.users where aud = 'authenticated'"
      "  and ($1::text is null or email like $1 or raw_user_meta_data->>'full_name' ilike $1)), "
      "pg as (select id, created_at from f order by created_at %s, id %s limit $2::bigint offset $3::bigint) "
      "select (select count(*) from f),"
      " (select coalesce (string_agg (sl_auth.user_json (u), ',' order by u.created_at %s, u.id %s), '')"
      "  from auth.users u join pg on pg.id = u.id)",
      order, order, order, order);

    res = sl_auth_exec (c, "Database error finding users", sql, 3, p);
  }
  if (res == NULL)
    return;
  count = g_ascii_strtoull (PQgetvalue (res, 0, 0), NULL, 10);
  body = g_strdup_printf ("{\"users\":[%s],\"aud\":\"authenticated\"}", PQgetvalue (res, 0, 1));
  PQclear (res);

  total_pages = count / per_page + (count % per_page ? 1 : 0);
  last = page_url (c->req, total_pages);
  if (total_pages > page)
    {
      g_autofree char *next = page_url (c->req, page + 1);

      link = g_strdup_printf ("<%s>; rel=\"next\", <%s>; rel=\"last\"", next, last);
    }
  else
    link = g_strdup_printf ("<%s>; rel=\"last\"", last);
  count_str = g_strdup_printf ("%" G_GUINT64_FORMAT, count);

  {
    g_autoptr(JsonNode) node = sl_auth_parse (body);

    sl_auth_send_node (c, 200, node);
  }
  sl_response_add_header (c->resp, "Link", link);
  sl_response_add_header (c->resp, "X-Total-Count", count_str);
}

/* GoTrue's validatePhone: strips formatting, requires E.164 digits. */
static char *
validate_phone (SlAuthCall *c,
                const char *phone)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (const char *p = phone; *p; p++)
    if (!strchr (" -()+", *p))
      g_string_append_c (s, *p);
  if (!g_regex_match_simple ("^[1-9][0-9]{1,14}$", s->str, 0, 0))
    {
      sl_auth_error (c, 400, "validation_failed", "Invalid phone number format (E.164 required)");
      return NULL;
    }
  return g_strdup (s->str);
}

static gboolean
parse_ban (SlAuthCall *c,
           JsonObject *body,
           gboolean   *has_ban,
           char      **interval)
{
  const char *ban = sl_auth_obj_string (body, "ban_duration");
  g_autofree char *err = NULL;
  double secs = 0;

  *has_ban = FALSE;
  if (ban == NULL || *ban == '\0')
    return TRUE;
  *has_ban = TRUE;
  if (g_str_equal (ban, "none"))
    {
      *interval = g_strdup ("0");
      return TRUE;
    }
  if (!sl_auth_parse_duration (ban, &secs, &err))
    {
      sl_auth_error (c, 400, "validation_failed", "invalid format for ban duration: %s", err);
      return FALSE;
    }
  *interval = g_strdup_printf ("%.6f", secs);
  return TRUE;
}

static gboolean
exec_simple (SlAuthCall         *c,
             const char         *what,
             const char         *sql,
             int                 n,
             const char * const *p)
{
  PGresult *res = sl_auth_exec (c, what, sql, n, p);

  if (res == NULL)
    return FALSE;
  PQclear (res);
  return TRUE;
}

static gboolean
apply_ban (SlAuthCall *c,
           const char *user_id,
           const char *interval)
{
  const char *p[] = { user_id, interval };

  return exec_simple (c, "Error updating user",
                      "update auth.users set banned_until = case when $2::float8 = 0 then null"
                      " else now () + make_interval (secs => $2::float8) end, updated_at = now ()"
                      " where id = $1::uuid", 2, p);
}

static void
send_user_json (SlAuthCall *c,
                const char *user_id)
{
  gboolean failed = FALSE;
  g_autoptr(JsonNode) user = sl_auth_user_node (c, user_id, &failed);

  if (user)
    sl_auth_send_node (c, 200, user);
  else if (!failed)
    sl_auth_error (c, 404, "user_not_found", "User not found");
}

static char *
email_taken (SlAuthCall *c,
             const char *email,
             const char *except_id,
             gboolean   *failed)
{
  const char *p[] = { email, except_id };

  return sl_auth_exec_value (c, "Database error checking email", failed,
                             "select id::text from auth.users where email = $1 and is_sso_user = false"
                             " and ($2::uuid is null or id <> $2::uuid)", 2, p);
}

static void
create_user (SlAuthCall *c)
{
  JsonObject *body = sl_auth_body (c);
  const char *email, *phone, *password_hash, *id, *role, *aud;
  JsonNode *password_node;
  g_autofree char *password = NULL;
  g_autofree char *lower = NULL;
  g_autofree char *digits = NULL;
  g_autofree char *user_meta = NULL;
  g_autofree char *app_meta = NULL;
  g_autofree char *ban = NULL;
  g_autofree char *user_id = NULL;
  gboolean has_ban = FALSE, failed = FALSE;

  if (body == NULL)
    return;
  email = sl_auth_obj_string (body, "email");
  phone = sl_auth_obj_string (body, "phone");
  password_hash = sl_auth_obj_string (body, "password_hash");
  id = sl_auth_obj_string (body, "id");
  role = sl_auth_obj_string (body, "role");
  aud = sl_auth_obj_string (body, "aud");
  password_node = json_object_get_member (body, "password");
  if (password_node && JSON_NODE_HOLDS_VALUE (password_node) &&
      json_node_get_value_type (password_node) == G_TYPE_STRING)
    password = g_strdup (json_node_get_string (password_node));
  if (sl_auth_obj_object (body, "user_metadata"))
    user_meta = sl_auth_obj_json (body, "user_metadata");
  if (sl_auth_obj_object (body, "app_metadata"))
    app_meta = sl_auth_obj_json (body, "app_metadata");

  if ((email == NULL || *email == '\0') && (phone == NULL || *phone == '\0'))
    {
      sl_auth_error (c, 400, "validation_failed", "Cannot create a user without either an email or phone");
      return;
    }
  if (email && *email)
    {
      g_autofree char *dup = NULL;

      lower = sl_auth_validate_email (c, email);
      if (lower == NULL)
        return;
      dup = email_taken (c, lower, NULL, &failed);
      if (failed)
        return;
      if (dup)
        {
          sl_auth_error (c, 422, "email_exists", DUPLICATE_EMAIL);
          return;
        }
    }
  if (phone && *phone)
    {
      g_autofree char *dup = NULL;
      const char *p[1];

      digits = validate_phone (c, phone);
      if (digits == NULL)
        return;
      p[0] = digits;
      dup = sl_auth_exec_value (c, "Database error checking phone", &failed,
                                "select 1 from auth.users where phone = $1", 1, p);
      if (failed)
        return;
      if (dup)
        {
          sl_auth_error (c, 422, "phone_exists", "Phone number already registered by another user");
          return;
        }
    }
  if (password_node && !JSON_NODE_HOLDS_NULL (password_node) && password_hash && *password_hash)
    {
      sl_auth_error (c, 400, "validation_failed", "Only a password or a password hash should be provided");
      return;
    }
  if (password_hash && *password_hash && !g_str_has_prefix (password_hash, "$2"))
    {
      sl_auth_error (c, 400, "validation_failed", "Invalid password hash format: only bcrypt hashes are supported");
      return;
    }
  if (password && *password == '\0')
    g_clear_pointer (&password, g_free);
  if (id && *id)
    {
      if (!sl_auth_is_uuid (id))
        {
          sl_auth_error (c, 400, "validation_failed", "ID must conform to the uuid v4 format");
          return;
        }
      if (g_str_equal (id, "00000000-0000-0000-0000-000000000000"))
        {
          sl_auth_error (c, 400, "validation_failed", "ID cannot be a nil uuid");
          return;
        }
      {
        const char *p[] = { id };
        g_autofree char *exists = sl_auth_exec_value (c, "Database error checking user", &failed,
                                                      "select 1 from auth.users where id = $1::uuid", 1, p);
        if (failed)
          return;
        if (exists)
          {
            sl_auth_error (c, 500, "unexpected_failure", "Database error creating new user");
            return;
          }
      }
    }
  if (!parse_ban (c, body, &has_ban, &ban))
    return;

  {
    const char *p[] = { (id && *id) ? id : NULL, lower, digits, password,
                        (password_hash && *password_hash) ? password_hash : NULL,
                        user_meta, app_meta, (role && *role) ? role : NULL, (aud && *aud) ? aud : NULL };

    user_id = sl_auth_exec_value (c, "Database error creating new user", &failed,
                                  "select sl_auth.create_user ($1::uuid, $2, $3, $4, $5, $6::jsonb, $7::jsonb,"
                                  " false, $8, $9)::text", 9, p);
    if (user_id == NULL)
      return;
  }
  if (sl_auth_obj_bool (body, "email_confirm"))
    {
      const char *p[] = { user_id };

      if (!exec_simple (c, "Database error creating new user", "select sl_auth.confirm_email ($1::uuid)", 1, p))
        return;
    }
  if (sl_auth_obj_bool (body, "phone_confirm"))
    {
      const char *p[] = { user_id };

      if (!exec_simple (c, "Database error creating new user",
                        "update auth.users set phone_confirmed_at = coalesce (phone_confirmed_at, now ()) where id = $1::uuid",
                        1, p))
        return;
    }
  if (has_ban && !apply_ban (c, user_id, ban))
    return;
  send_user_json (c, user_id);
}

static void
update_user (SlAuthCall *c,
             const char *user_id)
{
  JsonObject *body = sl_auth_body (c);
  const char *email, *phone, *role;
  JsonNode *password_node;
  g_autofree char *lower = NULL;
  g_autofree char *digits = NULL;
  g_autofree char *ban = NULL;
  gboolean has_ban = FALSE, failed = FALSE;
  gboolean email_confirm, phone_confirm;
  const char *uid[] = { user_id };

  if (body == NULL)
    return;
  email = sl_auth_obj_string (body, "email");
  phone = sl_auth_obj_string (body, "phone");
  role = sl_auth_obj_string (body, "role");
  email_confirm = sl_auth_obj_bool (body, "email_confirm");
  phone_confirm = sl_auth_obj_bool (body, "phone_confirm");
  password_node = json_object_get_member (body, "password");

  if (email && *email)
    {
      g_autofree char *dup = NULL;

      lower = sl_auth_validate_email (c, email);
      if (lower == NULL)
        return;
      dup = email_taken (c, lower, user_id, &failed);
      if (failed)
        return;
      if (dup)
        {
          sl_auth_error (c, 422, "email_exists", DUPLICATE_EMAIL);
          return;
        }
    }
  if (phone && *phone)
    {
      digits = validate_phone (c, phone);
      if (digits == NULL)
        return;
    }
  if (!parse_ban (c, body, &has_ban, &ban))
    return;
  if (password_node && JSON_NODE_HOLDS_VALUE (password_node) &&
      json_node_get_value_type (password_node) == G_TYPE_STRING)
    {
      const char *password = json_node_get_string (password_node);
      const char *p[] = { user_id, password };

      if (!sl_auth_check_password (c, password))
        return;
      /* A password change signs the user out everywhere. */
      if (!exec_simple (c, "Error updating user",
                        "with u as (update auth.users set encrypted_password = extensions.crypt ($2, extensions.gen_salt ('bf', 10)),"
                        " confirmation_token = '', recovery_token = '', updated_at = now () where id = $1::uuid returning id) "
                        "delete from auth.sessions s using u where s.user_id = u.id", 2, p))
        return;
    }
  if (role && *role)
    {
      const char *p[] = { user_id, role };

      if (!exec_simple (c, "Error updating user",
                        "update auth.users set role = $2, updated_at = now () where id = $1::uuid", 2, p))
        return;
    }
  if (email_confirm && !exec_simple (c, "Error updating user", "select sl_auth.confirm_email ($1::uuid)", 1, uid))
    return;
  if (phone_confirm &&
      !exec_simple (c, "Error updating user",
                    "update auth.users set phone_confirmed_at = coalesce (phone_confirmed_at, now ()) where id = $1::uuid",
                    1, uid))
    return;
  if (lower)
    {
      const char *p[] = { user_id, lower, email_confirm ? "t" : "f" };

      if (!exec_simple (c, "Error updating user",
                        "with u as (update auth.users set email = $2, updated_at = now (),"
                        "  is_anonymous = case when $3::boolean then false else is_anonymous end"
                        "  where id = $1::uuid returning id) "
                        "insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at) "
                        "select u.id::text, u.id, jsonb_build_object ('sub', u.id::text, 'email', $2::text,"
                        " 'email_verified', $3::boolean, 'phone_verified', false), 'email', now (), now (), now () from u "
                        "on conflict (provider_id, provider) do update set identity_data = auth.identities.identity_data"
                        " || jsonb_build_object ('email', $2::text, 'email_verified', $3::boolean), updated_at = now ()",
                        3, p))
        return;
    }
  if (digits)
    {
      const char *p[] = { user_id, digits, phone_confirm ? "t" : "f" };

      if (!exec_simple (c, "Error updating user",
                        "with u as (update auth.users set phone = $2, updated_at = now (),"
                        "  is_anonymous = case when $3::boolean then false else is_anonymous end"
                        "  where id = $1::uuid returning id) "
                        "insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at) "
                        "select u.id::text, u.id, jsonb_build_object ('sub', u.id::text, 'phone', $2::text,"
                        " 'email_verified', false, 'phone_verified', $3::boolean), 'phone', now (), now (), now () from u "
                        "on conflict (provider_id, provider) do update set identity_data = auth.identities.identity_data"
                        " || jsonb_build_object ('phone', $2::text, 'phone_verified', $3::boolean), updated_at = now ()",
                        3, p))
        return;
    }
  if (sl_auth_obj_object (body, "app_metadata"))
    {
      g_autofree char *meta = sl_auth_obj_json (body, "app_metadata");
      const char *p[] = { user_id, meta };

      if (!exec_simple (c, "Error updating user",
                        "update auth.users set raw_app_meta_data = sl_auth.merge_meta (raw_app_meta_data, $2::jsonb),"
                        " updated_at = now () where id = $1::uuid", 2, p))
        return;
    }
  if (sl_auth_obj_object (body, "user_metadata"))
    {
      g_autofree char *meta = sl_auth_obj_json (body, "user_metadata");
      const char *p[] = { user_id, meta };

      if (!exec_simple (c, "Error updating user",
                        "update auth.users set raw_user_meta_data = sl_auth.merge_meta (raw_user_meta_data, $2::jsonb),"
                        " updated_at = now () where id = $1::uuid", 2, p))
        return;
    }
  if (has_ban && !apply_ban (c, user_id, ban))
    return;
  send_user_json (c, user_id);
}

static void
delete_user (SlAuthCall *c,
             const char *user_id)
{
  gboolean soft = FALSE;
  const char *p[] = { user_id };

  if (c->req->body != NULL && g_bytes_get_size (c->req->body) > 0)
    {
      JsonObject *body = sl_auth_body (c);

      if (body == NULL)
        return;
      soft = sl_auth_obj_bool (body, "should_soft_delete");
    }
  if (soft)
    {
      if (!exec_simple (c, "Error soft deleting user",
                        "update auth.users set"
                        " email = case when email is null then null else sl_auth.obfuscate (id, email) end,"
                        " phone = case when phone is null then null else left (sl_auth.obfuscate (id, phone), 15) end,"
                        " email_change = case when coalesce (email_change, '') = '' then email_change else sl_auth.obfuscate (id, email_change) end,"
                        " phone_change = case when coalesce (phone_change, '') = '' then phone_change else left (sl_auth.obfuscate (id, phone_change), 15) end,"
                        " encrypted_password = null, confirmation_token = '', recovery_token = '',"
                        " email_change_token_current = '', email_change_token_new = '', phone_change_token = '',"
                        " deleted_at = now (), updated_at = now ()"
                        " where id = $1::uuid and deleted_at is null", 1, p) ||
          !exec_simple (c, "Error soft deleting user identities",
                        "update auth.identities set identity_data = '{}'::jsonb,"
                        " provider_id = sl_auth.obfuscate (user_id, provider || ':' || provider_id), updated_at = now ()"
                        " where user_id = $1::uuid and identity_data <> '{}'::jsonb", 1, p) ||
          !exec_simple (c, "Error deleting user's factors",
                        "delete from auth.mfa_factors where user_id = $1::uuid", 1, p) ||
          !exec_simple (c, "Error deleting user's sessions",
                        "delete from auth.sessions where user_id = $1::uuid", 1, p))
        return;
    }
  else if (!exec_simple (c, "Database error deleting user",
                         "delete from auth.users where id = $1::uuid", 1, p))
    return;
  sl_auth_send_text (c, 200, "{}");
}

/* ------------------------------------------------------------ factors */

static void
user_factors (SlAuthCall *c,
              const char *user_id,
              const char *factor_id)
{
  const char *m = c->req->method;

  if (factor_id == NULL)
    {
      const char *p[] = { user_id };
      g_autofree char *text = NULL;

      if (!g_str_equal (m, "GET"))
        {
          sl_auth_error (c, 405, NULL, "Method Not Allowed");
          return;
        }
      text = sl_auth_exec_value (c, "Database error finding factors", NULL,
                                 "select '[' || coalesce (string_agg (sl_auth.factor_json (f), ',' order by f.created_at), '') || ']'"
                                 " from auth.mfa_factors f where f.user_id = $1::uuid", 1, p);
      if (text)
        sl_auth_send_text (c, 200, text);
      return;
    }
  if (!sl_auth_is_uuid (factor_id))
    {
      sl_auth_error (c, 404, "validation_failed", "factor_id must be an UUID");
      return;
    }
  {
    const char *p[] = { factor_id, user_id };
    gboolean failed = FALSE;
    g_autofree char *factor = sl_auth_exec_value (c, "Database error loading factor", &failed,
                                                  "select sl_auth.factor_json (f) from auth.mfa_factors f"
                                                  " where f.id = $1::uuid and f.user_id = $2::uuid", 2, p);
    if (failed)
      return;
    if (factor == NULL)
      {
        sl_auth_error (c, 404, "mfa_factor_not_found", "Factor not found");
        return;
      }
    if (g_str_equal (m, "DELETE"))
      {
        if (!exec_simple (c, "Database error deleting factor",
                          "delete from auth.mfa_factors where id = $1::uuid", 1, p) ||
            !exec_simple (c, "Database error downgrading sessions",
                          "update auth.sessions set aal = 'aal1', factor_id = null, updated_at = now ()"
                          " where factor_id = $1::uuid", 1, p))
          return;
        sl_auth_send_text (c, 200, factor);
      }
    else if (g_str_equal (m, "PUT"))
      {
        JsonObject *body = sl_auth_body (c);
        const char *name;
        g_autofree char *updated = NULL;

        if (body == NULL)
          return;
        name = sl_auth_obj_string (body, "friendly_name");
        if (name && *name)
          {
            const char *q[] = { factor_id, name };

            if (!exec_simple (c, "Database error updating factor",
                              "update auth.mfa_factors set friendly_name = $2, updated_at = now () where id = $1::uuid",
                              2, q))
              return;
          }
        updated = sl_auth_exec_value (c, "Database error loading factor", NULL,
                                      "select sl_auth.factor_json (f) from auth.mfa_factors f where f.id = $1::uuid",
                                      1, p);
        if (updated)
          sl_auth_send_text (c, 200, updated);
      }
    else
      sl_auth_error (c, 405, NULL, "Method Not Allowed");
  }
}

/* -------------------------------------------------------- generate_link */

static gboolean
json_add_flat (JsonObject *to,
               const char *user_json)
{
  g_autoptr(JsonNode) user = sl_auth_parse (user_json);
  JsonObject *u;
  g_autoptr(GList) members = NULL;

  if (user == NULL)
    return FALSE;
  u = json_node_get_object (user);
  members = json_object_get_members (u);
  for (GList *l = members; l; l = l->next)
    json_object_set_member (to, l->data, json_node_copy (json_object_get_member (u, l->data)));
  return TRUE;
}

static void
generate_link (SlAuthCall *c)
{
  JsonObject *body = sl_auth_body (c);
  const char *email, *new_email, *password, *body_redirect;
  g_autofree char *type = NULL;
  g_autofree char *lower = NULL;
  g_autofree char *redirect = NULL;
  g_autofree char *user_id = NULL;
  g_autofree char *otp = sl_auth_generate_otp ();
  g_autofree char *hashed = NULL;
  g_autofree char *link_token = NULL;
  g_autofree char *data = NULL;
  g_autofree char *link = NULL;
  g_autofree char *user_json = NULL;
  const char *link_type;
  gboolean confirmed = FALSE, failed = FALSE;

  if (body == NULL)
    return;
  type = g_strdup (sl_auth_obj_string (body, "type"));
  email = sl_auth_obj_string (body, "email");
  new_email = sl_auth_obj_string (body, "new_email");
  password = sl_auth_obj_string (body, "password");
  body_redirect = sl_auth_obj_string (body, "redirect_to");
  if (sl_auth_obj_object (body, "data"))
    data = sl_auth_obj_json (body, "data");
  if (type == NULL)
    type = g_strdup ("");

  lower = sl_auth_validate_email (c, email);
  if (lower == NULL)
    return;
  redirect = sl_auth_redirect_url (c, body_redirect);
  {
    const char *p[] = { lower };
    PGresult *res = sl_auth_exec (c, "Database error finding user",
                                  "select id::text, email_confirmed_at is not null from auth.users"
                                  " where email = $1 and aud = 'authenticated' and is_sso_user = false", 1, p);
    if (res == NULL)
      return;
    if (PQntuples (res) == 1)
      {
        user_id = g_strdup (PQgetvalue (res, 0, 0));
        confirmed = g_str_equal (PQgetvalue (res, 0, 1), "t");
      }
    PQclear (res);
  }
  if (user_id == NULL)
    {
      if (g_str_equal (type, "magiclink"))
        {
          g_free (type);
          type = g_strdup ("signup");
          password = NULL; /* a random one is generated */
        }
      else if (g_str_equal (type, "recovery") || g_str_equal (type, "email_change_current") ||
               g_str_equal (type, "email_change_new"))
        {
          sl_auth_error (c, 404, "user_not_found", "User with this email not found");
          return;
        }
      else if (g_str_equal (type, "signup"))
        {
          if (password == NULL || *password == '\0')
            {
              sl_auth_error (c, 400, "validation_failed", "Signup requires a valid password");
              return;
            }
          if (!sl_auth_check_password (c, password))
            return;
        }
    }

  hashed = sl_auth_exec_value (c, "Error hashing token", &failed,
                               "select sl_auth.token_hash ($1, $2)", 2,
                               (const char *[]) { lower, otp });
  if (hashed == NULL)
    return;
  link_token = g_strdup (hashed);

  if (g_str_equal (type, "magiclink") || g_str_equal (type, "recovery"))
    {
      const char *p[] = { user_id, hashed };

      link_type = type;
      if (!exec_simple (c, "Database error updating user for recovery",
                        "update auth.users set recovery_token = $2, recovery_sent_at = now () where id = $1::uuid", 2, p))
        return;
    }
  else if (g_str_equal (type, "invite") || g_str_equal (type, "signup"))
    {
      gboolean invite = g_str_equal (type, "invite");

      link_type = type;
      if (user_id != NULL)
        {
          if (confirmed)
            {
              sl_auth_error (c, 422, "email_exists", DUPLICATE_EMAIL);
              return;
            }
          if (!invite && data)
            {
              const char *p[] = { user_id, data };

              if (!exec_simple (c, "Database error updating user",
                                "update auth.users set raw_user_meta_data = sl_auth.merge_meta (raw_user_meta_data, $2::jsonb)"
                                " where id = $1::uuid", 2, p))
                return;
            }
        }
      else
        {
          const char *p[] = { lower, invite ? NULL : password, data };

          user_id = sl_auth_exec_value (c, "Database error saving new user", &failed,
                                        "select sl_auth.create_user (null, $1, null, $2, null, $3::jsonb, null, false, null, null)::text",
                                        3, p);
          if (user_id == NULL)
            return;
        }
      {
        const char *p[] = { user_id, hashed };

        if (!exec_simple (c, "Database error updating user",
                          invite
                          ? "update auth.users set confirmation_token = $2, confirmation_sent_at = now (), invited_at = now () where id = $1::uuid"
                          : "update auth.users set confirmation_token = $2, confirmation_sent_at = now () where id = $1::uuid",
                          2, p))
          return;
      }
    }
  else if (g_str_equal (type, "email_change_current") || g_str_equal (type, "email_change_new"))
    {
      g_autofree char *new_lower = NULL;
      g_autofree char *dup = NULL;
      gboolean current = g_str_equal (type, "email_change_current");

      link_type = "email_change";
      new_lower = sl_auth_validate_email (c, new_email);
      if (new_lower == NULL)
        return;
      dup = email_taken (c, new_lower, user_id, &failed);
      if (failed)
        return;
      if (dup)
        {
          sl_auth_error (c, 422, "email_exists", DUPLICATE_EMAIL);
          return;
        }
      if (!current)
        {
          g_free (link_token);
          link_token = sl_auth_exec_value (c, "Error hashing token", &failed,
                                           "select sl_auth.token_hash ($1, $2)", 2,
                                           (const char *[]) { new_lower, otp });
          if (link_token == NULL)
            return;
        }
      {
        const char *p[] = { user_id, new_lower, link_token };

        if (!exec_simple (c, "Database error updating user for email change",
                          current
                          ? "update auth.users set email_change = $2, email_change_sent_at = now (),"
                            " email_change_confirm_status = 0, email_change_token_current = $3 where id = $1::uuid"
                          : "update auth.users set email_change = $2, email_change_sent_at = now (),"
                            " email_change_confirm_status = 0, email_change_token_new = $3 where id = $1::uuid",
                          3, p))
          return;
      }
    }
  else
    {
      sl_auth_error (c, 400, "validation_failed", "Invalid email action link type requested: %s", type);
      return;
    }

  link = sl_auth_action_link (c, link_token, link_type, redirect);
  {
    const char *p[] = { user_id };

    user_json = sl_auth_exec_value (c, "Database error finding user", NULL,
                                    "select sl_auth.user_json ($1::uuid)", 1, p);
  }
  if (user_json == NULL)
    return;
  {
    g_autoptr(JsonObject) out = json_object_new ();
    g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

    json_add_flat (out, user_json);
    json_object_set_string_member (out, "action_link", link);
    json_object_set_string_member (out, "email_otp", otp);
    json_object_set_string_member (out, "hashed_token", hashed);
    json_object_set_string_member (out, "verification_type", type);
    json_object_set_string_member (out, "redirect_to", redirect);
    json_node_set_object (node, out);
    sl_auth_send_node (c, 200, node);
  }
}

/* -------------------------------------------------------------- invite */

void
sl_auth_invite (SlAuthCall *c)
{
  JsonObject *body;
  const char *email;
  g_autofree char *lower = NULL;
  g_autofree char *data = NULL;
  g_autofree char *user_id = NULL;
  g_autofree char *redirect = NULL;
  gboolean failed = FALSE;

  if (!sl_auth_require_admin (c))
    return;
  body = sl_auth_body (c);
  if (body == NULL)
    return;
  email = sl_auth_obj_string (body, "email");
  if (sl_auth_obj_object (body, "data"))
    data = sl_auth_obj_json (body, "data");
  lower = sl_auth_validate_email (c, email);
  if (lower == NULL)
    return;
  redirect = sl_auth_redirect_url (c, NULL);
  {
    const char *p[] = { lower };
    PGresult *res = sl_auth_exec (c, "Database error finding user",
                                  "select id::text, email_confirmed_at is not null from auth.users"
                                  " where email = $1 and is_sso_user = false", 1, p);
    if (res == NULL)
      return;
    if (PQntuples (res) == 1)
      {
        gboolean confirmed = g_str_equal (PQgetvalue (res, 0, 1), "t");

        user_id = g_strdup (PQgetvalue (res, 0, 0));
        PQclear (res);
        if (confirmed)
          {
            sl_auth_error (c, 422, "email_exists", DUPLICATE_EMAIL);
            return;
          }
      }
    else
      PQclear (res);
  }
  if (user_id == NULL)
    {
      const char *p[] = { lower, data };

      user_id = sl_auth_exec_value (c, "Database error saving new user", &failed,
                                    "select sl_auth.create_user (null, $1, null, null, null, $2::jsonb, null, false, null, null)::text",
                                    2, p);
      if (user_id == NULL)
        return;
    }
  if (!sl_auth_send_token_mail (c, user_id, lower, "invite", "invite", redirect, NULL, NULL))
    return;
  send_user_json (c, user_id);
}

/* ------------------------------------------------------------ routing */

void
sl_auth_admin_route (SlAuthCall *c,
                     const char *path)
{
  const char *m = c->req->method;
  g_auto(GStrv) parts = NULL;
  guint n;

  if (!sl_auth_require_admin (c))
    return;

  if (g_str_equal (path, "/generate_link"))
    {
      if (g_str_equal (m, "POST"))
        generate_link (c);
      else
        sl_auth_error (c, 405, NULL, "Method Not Allowed");
      return;
    }
  if (g_str_equal (path, "/users"))
    {
      if (g_str_equal (m, "GET"))
        list_users (c);
      else if (g_str_equal (m, "POST"))
        create_user (c);
      else
        sl_auth_error (c, 405, NULL, "Method Not Allowed");
      return;
    }
  if (!g_str_has_prefix (path, "/users/"))
    {
      sl_auth_error (c, 404, NULL, "Not Found");
      return;
    }
  parts = g_strsplit (path + strlen ("/users/"), "/", -1);
  n = g_strv_length (parts);
  if (n == 0 || n > 3 || (n >= 2 && !g_str_equal (parts[1], "factors")))
    {
      sl_auth_error (c, 404, NULL, "Not Found");
      return;
    }
  if (!sl_auth_is_uuid (parts[0]))
    {
      sl_auth_error (c, 404, "validation_failed", "user_id must be an UUID");
      return;
    }
  {
    const char *p[] = { parts[0] };
    gboolean failed = FALSE;
    g_autofree char *exists = sl_auth_exec_value (c, "Database error loading user", &failed,
                                                  "select 1 from auth.users where id = $1::uuid", 1, p);
    if (failed)
      return;
    if (exists == NULL)
      {
        sl_auth_error (c, 404, "user_not_found", "User not found");
        return;
      }
  }
  if (n >= 2)
    {
      user_factors (c, parts[0], n == 3 ? parts[2] : NULL);
      return;
    }
  if (g_str_equal (m, "GET"))
    send_user_json (c, parts[0]);
  else if (g_str_equal (m, "PUT"))
    update_user (c, parts[0]);
  else if (g_str_equal (m, "DELETE"))
    delete_user (c, parts[0]);
  else
    sl_auth_error (c, 405, NULL, "Method Not Allowed");
}
