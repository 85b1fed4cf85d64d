/* views-test-util.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>
#include <libsoup/soup.h>

#include "supa-profile-store.h"

G_BEGIN_DECLS

/* g_test_init (isolated dirs) + gtk_init + adw_init. */
void              views_test_init            (int          *argc,
                                              char       ***argv);

/* Iterates the default main context until @cond holds, failing the test
 * after 20 s. */
#define views_test_wait_until(cond) \
  G_STMT_START { \
    gint64 _views_deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC; \
    guint _views_tick = views_test_tick_start (); \
    while (!(cond)) \
      { \
        if (g_get_monotonic_time () > _views_deadline) \
          g_error ("%s:%d: timed out waiting for %s", __FILE__, __LINE__, #cond); \
        g_main_context_iteration (NULL, TRUE); \
      } \
    g_source_remove (_views_tick); \
  } G_STMT_END

guint             views_test_tick_start      (void);
/* Runs the main loop for @msec milliseconds. */
void              views_test_spin            (guint         msec);

/* A store on a private keyfile under the isolated config dir, with the
 * session keyring. */
SupaProfileStore *views_test_new_store       (void);

/* An HS256 JWT signed with a secret made up at run time. @role may be NULL
 * (no role claim), @exp_offset is seconds from now (0: no exp claim). */
char             *views_test_make_jwt        (const char   *role,
                                              const char   *ref,
                                              gint64        exp_offset);

/* First descendant of @root (inclusive) of @type whose widget name (if
 * @name is non-NULL) matches. */
GtkWidget        *views_test_find_widget     (GtkWidget    *root,
                                              GType         type,
                                              const char   *name);
/* First toplevel window of @type other than @except, or NULL. */
GtkWindow        *views_test_find_toplevel   (GType         type,
                                              GtkWindow    *except);
/* Concatenation of the labels of every visible GtkLabel under @root. */
char             *views_test_collect_text    (GtkWidget    *root);

/* A fake Supabase on 127.0.0.1: /rest/v1/, /auth/v1/health,
 * /auth/v1/settings, /storage/v1/bucket and a WebSocket at
 * /realtime/v1/websocket. Requests without an apikey header (or query
 * parameter, for realtime) get 401. Returns the base URL. */
char             *views_test_start_fake_supabase (SoupServer **out_server);

G_END_DECLS
