/* bench-realtime-burst.c — postgres_changes under a burst of 102,000 inserts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Target: "Under a burst of 100,000 row changes it delivers every event in
 * commit order." One vsn 1.0.0 WebSocket subscriber listens for INSERTs on a
 * table of the supabase_realtime publication while a writer thread commits
 * burst A (100,000 rows in one transaction), at once burst B (1,000
 * single-row transactions, committed while A is still being delivered) and,
 * once everything has arrived, burst C (another 1,000 single-row
 * transactions). Every row carries its commit-order sequence number; each
 * must arrive exactly once and in order. Throughput and latency are
 * reported, not judged.
 */

#define G_LOG_DOMAIN "bench-realtime-burst"

#include "config.h"

#include "bench-common.h"
#include "supa-test-server.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

#define N_BURSTS       3
#define TOTAL_EVENTS   102000
#define MAX_TXNS       1000
#define TOPIC          "realtime:bench-burst"
#define JOIN_WAIT_S    20.0
#define STALL_S        60.0     /* no new event for this long: give up */
#define HARD_CAP_S     600.0
#define SETTLE_S       2.0      /* keep listening for late duplicates */
#define HEARTBEAT_S    20

typedef struct
{
  const char *name;
  const char *what;
  gint64      first_seq;
  guint       rows;
  guint       txns;                   /* 1 = all rows in one INSERT … SELECT */
  gboolean    wait_for_drain;         /* start only once earlier events all arrived */
  /* Writer side (under Writer.lock): */
  double      start, committed;
  double      sent[MAX_TXNS];         /* just before each single-row INSERT */
  /* Subscriber side (main thread): */
  guint       received;
  double      first_at, last_at;
  GArray     *latency_ms;             /* single-row INSERT sent → event received */
} Burst;

static Burst bursts[N_BURSTS] = {
  { .name = "burst_a", .what = "100,000 rows in one transaction",
    .first_seq = 1, .rows = 100000, .txns = 1 },
  { .name = "burst_b", .what = "1,000 single-row transactions right after burst A (queued behind it)",
    .first_seq = 100001, .rows = 1000, .txns = 1000 },
  { .name = "burst_c", .what = "1,000 single-row transactions once everything before was delivered",
    .first_seq = 101001, .rows = 1000, .txns = 1000, .wait_for_drain = TRUE },
};

typedef struct
{
  /* Shared by the writer thread and the main thread, under @lock. */
  GMutex    lock;
  GCond     cond;
  char     *db_url;
  guint     delivered;                /* events received so far (set by main) */
  gboolean  give_up;                  /* main thread stopped waiting */
  char     *error;
  gboolean  done;
} Writer;

typedef struct
{
  SoupWebsocketConnection *conn;
  JsonParser *parser;
  guint       ref;
  gboolean    closed;
  char       *close_reason;
  /* join */
  char       *join_ref;
  gboolean    join_replied;
  char       *join_error;
  gboolean    subscribed;
  char       *system_error;
  gint64      sub_id;
  /* events */
  guint8     *seen;                   /* by seq, 1…TOTAL_EVENTS */
  guint       received;               /* distinct, in range */
  guint       duplicates;
  guint       out_of_order;
  guint       bogus;                  /* unparseable, wrong table/type, seq out of range */
  gint64      last_seq;
  char       *first_problem;
  double      last_event_at;
  Writer     *writer;
} Sub;

static void
note_problem (Sub        *sub,
              const char *format,
              ...) G_GNUC_PRINTF (2, 3);

static void
note_problem (Sub        *sub,
              const char *format,
              ...)
{
  va_list args;

  if (sub->first_problem != NULL)
    return;
  va_start (args, format);
  sub->first_problem = g_strdup_vprintf (format, args);
  va_end (args);
}

static gint64
member_int (JsonObject *o,
            const char *name,
            gboolean   *ok)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    {
      *ok = FALSE;
      return 0;
    }
  switch (json_node_get_value_type (n))
    {
    case G_TYPE_INT64:
      return json_node_get_int (n);
    case G_TYPE_DOUBLE:
      return (gint64) json_node_get_double (n);
    case G_TYPE_STRING:
      {
        char *end = NULL;
        gint64 v = g_ascii_strtoll (json_node_get_string (n), &end, 10);

        if (end == NULL || *end != '\0')
          *ok = FALSE;
        return v;
      }
    default:
      *ok = FALSE;
      return 0;
    }
}

static void
handle_change (Sub        *sub,
               JsonObject *payload)
{
  JsonObject *data = payload ? json_object_get_object_member (payload, "data") : NULL;
  JsonObject *record = data && json_object_has_member (data, "record")
                       ? json_object_get_object_member (data, "record") : NULL;
  double now = bench_now ();
  gboolean ok = TRUE;
  gint64 seq;

  if (data == NULL || record == NULL ||
      g_strcmp0 (json_object_get_string_member_with_default (data, "type", ""), "INSERT") != 0 ||
      g_strcmp0 (json_object_get_string_member_with_default (data, "table", ""), "burst") != 0)
    {
      sub->bogus++;
      note_problem (sub, "an event that is not an INSERT on public.burst with a record");
      return;
    }
  seq = member_int (record, "seq", &ok);
  if (!ok || seq < 1 || seq > TOTAL_EVENTS || member_int (record, "id", &ok) != seq || !ok)
    {
      sub->bogus++;
      note_problem (sub, "an event whose record has no valid seq/id (seq %" G_GINT64_FORMAT ")", seq);
      return;
    }
  if (sub->seen[seq])
    {
      sub->duplicates++;
      note_problem (sub, "seq %" G_GINT64_FORMAT " delivered twice", seq);
      return;
    }
  sub->seen[seq] = 1;
  sub->received++;
  if (seq != sub->last_seq + 1)
    {
      sub->out_of_order++;
      note_problem (sub, "seq %" G_GINT64_FORMAT " arrived right after seq %" G_GINT64_FORMAT,
                    seq, sub->last_seq);
    }
  sub->last_seq = seq;
  sub->last_event_at = now;
  for (guint i = 0; i < N_BURSTS; i++)
    {
      Burst *b = &bursts[i];
      double sent = 0;

      if (seq < b->first_seq || seq >= b->first_seq + b->rows)
        continue;
      if (b->received++ == 0)
        b->first_at = now;
      b->last_at = now;
      if (b->txns > 1)
        {
          g_mutex_lock (&sub->writer->lock);
          sent = b->sent[seq - b->first_seq];
          g_mutex_unlock (&sub->writer->lock);
        }
      if (sent > 0)
        {
          double ms = (now - sent) * 1000.0;
          g_array_append_val (b->latency_ms, ms);
        }
    }
}

static void
message_cb (SoupWebsocketConnection *conn,
            gint                     type,
            GBytes                  *message,
            gpointer                 user_data)
{
  Sub *sub = user_data;
  gsize len = 0;
  const char *text = g_bytes_get_data (message, &len);
  JsonNode *root;
  JsonObject *o, *payload;
  const char *event, *topic;

  if (type != SOUP_WEBSOCKET_DATA_TEXT ||
      !json_parser_load_from_data (sub->parser, text, len, NULL) ||
      (root = json_parser_get_root (sub->parser)) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (root))
    {
      sub->bogus++;
      note_problem (sub, "a frame that is not a vsn 1.0.0 JSON object");
      return;
    }
  o = json_node_get_object (root);
  event = json_object_get_string_member_with_default (o, "event", "");
  topic = json_object_get_string_member_with_default (o, "topic", "");
  payload = json_object_has_member (o, "payload") &&
            JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "payload"))
            ? json_object_get_object_member (o, "payload") : NULL;

  if (g_str_equal (event, "postgres_changes"))
    {
      handle_change (sub, payload);
      return;
    }
  if (g_str_equal (topic, TOPIC) && g_str_equal (event, "phx_reply") &&
      g_strcmp0 (json_object_get_string_member_with_default (o, "ref", ""), sub->join_ref) == 0)
    {
      const char *status = payload ? json_object_get_string_member_with_default (payload, "status", "") : "";

      sub->join_replied = TRUE;
      if (!g_str_equal (status, "ok"))
        {
          g_autoptr(JsonNode) node = json_node_alloc ();
          json_node_init_object (node, payload);
          sub->join_error = json_to_string (node, FALSE);
        }
      else
        {
          JsonObject *response = json_object_get_object_member (payload, "response");
          JsonArray *pc = response ? json_object_get_array_member (response, "postgres_changes") : NULL;
          gboolean ok = TRUE;

          if (pc != NULL && json_array_get_length (pc) == 1)
            sub->sub_id = member_int (json_array_get_object_element (pc, 0), "id", &ok);
        }
      return;
    }
  if (g_str_equal (topic, TOPIC) && g_str_equal (event, "system") && payload != NULL)
    {
      const char *status = json_object_get_string_member_with_default (payload, "status", "");
      const char *msg = json_object_get_string_member_with_default (payload, "message", "");

      if (g_str_equal (status, "ok") && g_str_equal (msg, "Subscribed to PostgreSQL"))
        sub->subscribed = TRUE;
      else if (!g_str_equal (status, "ok") && sub->system_error == NULL)
        sub->system_error = g_strdup_printf ("system message, status %s: %s", status, msg);
      return;
    }
  if (g_str_equal (topic, TOPIC) && (g_str_equal (event, "phx_close") || g_str_equal (event, "phx_error")))
    {
      if (sub->system_error == NULL)
        sub->system_error = g_strdup_printf ("the channel got %s", event);
    }
  /* Heartbeat replies and anything else are fine to ignore. */
}

static void
closed_cb (SoupWebsocketConnection *conn,
           gpointer                 user_data)
{
  Sub *sub = user_data;

  sub->closed = TRUE;
  sub->close_reason = g_strdup_printf ("code %u %s", soup_websocket_connection_get_close_code (conn),
                                       soup_websocket_connection_get_close_data (conn)
                                       ? soup_websocket_connection_get_close_data (conn) : "");
}

static void
push (Sub        *sub,
      const char *topic,
      const char *event,
      const char *payload_json,
      const char *join_ref)
{
  g_autofree char *frame = NULL;
  guint ref = ++sub->ref;

  if (join_ref != NULL)
    frame = g_strdup_printf ("{\"topic\":\"%s\",\"event\":\"%s\",\"payload\":%s,\"ref\":\"%u\",\"join_ref\":\"%s\"}",
                             topic, event, payload_json, ref, join_ref);
  else
    frame = g_strdup_printf ("{\"topic\":\"%s\",\"event\":\"%s\",\"payload\":%s,\"ref\":\"%u\"}",
                             topic, event, payload_json, ref);
  if (!sub->closed)
    soup_websocket_connection_send_text (sub->conn, frame);
}

static gboolean
heartbeat_cb (gpointer user_data)
{
  push (user_data, "phoenix", "heartbeat", "{}", NULL);
  return G_SOURCE_CONTINUE;
}

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE; /* only wakes the loop so deadlines are checked */
}

static void
connect_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* ---------------------------------------------------------- writer */

static gboolean
exec_ok (Writer     *w,
         PGconn     *conn,
         const char *sql,
         int         n_params,
         const char * const *params)
{
  PGresult *res = PQexecParams (conn, sql, n_params, NULL, params, NULL, NULL, 0);
  ExecStatusType st = PQresultStatus (res);
  gboolean ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;

  if (!ok)
    {
      g_mutex_lock (&w->lock);
      if (w->error == NULL)
        w->error = g_strdup_printf ("SQL failed: %s", PQresultErrorMessage (res));
      g_mutex_unlock (&w->lock);
    }
  PQclear (res);
  return ok;
}

/* Called with w->lock held; returns it held. */
static gboolean
wait_for_drain (Writer *w,
                guint   expected)
{
  while (w->delivered < expected && !w->give_up)
    g_cond_wait (&w->cond, &w->lock);
  return !w->give_up;
}

static gpointer
writer_thread (gpointer data)
{
  Writer *w = data;
  PGconn *conn = PQconnectdb (w->db_url);
  guint before = 0;
  double t;

  g_mutex_lock (&w->lock);
  if (PQstatus (conn) != CONNECTION_OK)
    {
      w->error = g_strdup_printf ("cannot connect to the database: %s", PQerrorMessage (conn));
      goto out;
    }

  for (guint i = 0; i < N_BURSTS; i++)
    {
      Burst *b = &bursts[i];

      if (b->wait_for_drain && !wait_for_drain (w, before))
        goto out;
      g_mutex_unlock (&w->lock);

      t = bench_now ();
      g_mutex_lock (&w->lock);
      b->start = t;
      g_mutex_unlock (&w->lock);
      if (b->txns == 1)
        {
          g_autofree char *sql = g_strdup_printf ("INSERT INTO public.burst (id, seq, note) "
                                                  "SELECT g, g, '%s row ' || g "
                                                  "FROM generate_series (%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ") AS g",
                                                  b->name, b->first_seq, b->first_seq + b->rows - 1);

          if (!exec_ok (w, conn, sql, 0, NULL))
            {
              g_mutex_lock (&w->lock);
              goto out;
            }
        }
      else
        {
          /* One autocommit INSERT per row, committed one after another, so
           * commit order is seq order. */
          for (guint k = 0; k < b->txns; k++)
            {
              char seq[32];
              const char *params[] = { seq, b->name };

              g_snprintf (seq, sizeof seq, "%" G_GINT64_FORMAT, b->first_seq + k);
              t = bench_now ();
              g_mutex_lock (&w->lock);
              b->sent[k] = t;
              g_mutex_unlock (&w->lock);
              if (!exec_ok (w, conn,
                            "INSERT INTO public.burst (id, seq, note) VALUES ($1::bigint, $1::bigint, $2)",
                            2, params))
                {
                  g_mutex_lock (&w->lock);
                  goto out;
                }
            }
        }
      t = bench_now ();
      g_mutex_lock (&w->lock);
      b->committed = t;
      before += b->rows;
    }

out:
  w->done = TRUE;
  g_mutex_unlock (&w->lock);
  PQfinish (conn);
  return NULL;
}

/* ------------------------------------------------------------ main */

static gboolean
writer_done (Writer *w)
{
  gboolean done;

  g_mutex_lock (&w->lock);
  done = w->done;
  g_mutex_unlock (&w->lock);
  return done;
}

static void
run (Bench          *bench,
     SupaTestServer *server,
     JsonBuilder    *json)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *check = NULL;
  g_autoptr(GThread) thread = NULL;
  Writer *w = g_new0 (Writer, 1);
  Sub sub = { 0 };
  double deadline, last_progress, now, settle_until = 0;
  guint heartbeat_id = 0, tick_id = 0;
  guint last_count = 0;

  g_mutex_init (&w->lock);
  w->db_url = g_strdup (server->db_url);
  sub.writer = w;
  sub.parser = json_parser_new ();
  sub.seen = g_new0 (guint8, TOTAL_EVENTS + 1);
  g_cond_init (&w->cond);
  for (guint i = 0; i < N_BURSTS; i++)
    bursts[i].latency_ms = g_array_new (FALSE, FALSE, sizeof (double));

  g_free (supa_test_server_sql (server,
                                "CREATE TABLE public.burst (id bigint PRIMARY KEY, seq bigint NOT NULL, note text);"
                                "ALTER PUBLICATION supabase_realtime ADD TABLE public.burst;"));
  check = supa_test_server_sql (server,
                                "SELECT count(*) FROM pg_publication_tables "
                                "WHERE pubname = 'supabase_realtime' AND tablename = 'burst'");
  if (g_strcmp0 (check, "1") != 0)
    {
      bench_miss (bench, "setup: public.burst is not in the supabase_realtime publication");
      goto out;
    }

  soup_session_set_proxy_resolver (session, NULL);
  url = g_strdup_printf ("%s/realtime/v1/websocket?vsn=1.0.0", server->url);
  msg = soup_message_new ("GET", url);
  soup_message_headers_append (soup_message_get_request_headers (msg), "x-api-key", server->service_role_key);
  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        connect_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  sub.conn = soup_session_websocket_connect_finish (session, result, &error);
  if (sub.conn == NULL)
    {
      bench_miss (bench, "WebSocket handshake failed: %s", error->message);
      goto out;
    }
  /* Frames are small; the default limit is fine, but never time out idle. */
  soup_websocket_connection_set_keepalive_interval (sub.conn, 0);
  g_signal_connect (sub.conn, "message", G_CALLBACK (message_cb), &sub);
  g_signal_connect (sub.conn, "closed", G_CALLBACK (closed_cb), &sub);
  heartbeat_id = g_timeout_add_seconds (HEARTBEAT_S, heartbeat_cb, &sub);
  tick_id = g_timeout_add (250, tick_cb, NULL);

  sub.join_ref = g_strdup_printf ("%u", sub.ref + 1);
  payload = g_strdup_printf ("{\"config\":{\"broadcast\":{\"ack\":false,\"self\":false},"
                             "\"presence\":{\"key\":\"\",\"enabled\":false},"
                             "\"postgres_changes\":[{\"event\":\"INSERT\",\"schema\":\"public\",\"table\":\"burst\"}],"
                             "\"private\":false},\"access_token\":\"%s\"}", server->service_role_key);
  push (&sub, TOPIC, "phx_join", payload, sub.join_ref);

  deadline = bench_now () + JOIN_WAIT_S;
  while (!sub.subscribed && sub.join_error == NULL && sub.system_error == NULL && !sub.closed &&
         bench_now () < deadline)
    g_main_context_iteration (NULL, TRUE);
  if (!sub.subscribed)
    {
      bench_miss (bench, "the subscription did not become ready within %.0f s: %s", JOIN_WAIT_S,
                  sub.join_error ? sub.join_error :
                  sub.system_error ? sub.system_error :
                  sub.closed ? "socket closed" :
                  sub.join_replied ? "no \"Subscribed to PostgreSQL\"" : "no join reply");
      goto stop_loop;
    }
  printf ("subscribed (subscription id %" G_GINT64_FORMAT "); committing:\n", sub.sub_id);
  for (guint i = 0; i < N_BURSTS; i++)
    printf ("  %s: %s (seq %" G_GINT64_FORMAT "…%" G_GINT64_FORMAT ")\n", bursts[i].name, bursts[i].what,
            bursts[i].first_seq, bursts[i].first_seq + bursts[i].rows - 1);

  thread = g_thread_new ("burst-writer", writer_thread, w);

  deadline = bench_now () + HARD_CAP_S;
  last_progress = bench_now ();
  while (!sub.closed)
    {
      g_main_context_iteration (NULL, TRUE);
      now = bench_now ();
      if (sub.received != last_count)
        {
          if (sub.received / 20000 != last_count / 20000)
            {
              printf ("  … %u events\n", sub.received);
              fflush (stdout);
            }
          last_count = sub.received;
          last_progress = now;
          g_mutex_lock (&w->lock);
          w->delivered = sub.received;
          g_cond_signal (&w->cond);
          g_mutex_unlock (&w->lock);
        }
      if (now - last_progress > STALL_S || now > deadline)
        {
          /* Release a writer that waits for a drain that will not come. */
          g_mutex_lock (&w->lock);
          w->give_up = TRUE;
          g_cond_signal (&w->cond);
          g_mutex_unlock (&w->lock);
        }
      if (!writer_done (w))
        continue;
      if (sub.received == TOTAL_EVENTS && settle_until == 0)
        settle_until = now + SETTLE_S;
      if (settle_until > 0 && now >= settle_until)
        break;
      if (settle_until == 0 && (now - last_progress > STALL_S || now > deadline))
        break;
    }

  g_mutex_lock (&w->lock);
  w->give_up = TRUE;
  g_cond_signal (&w->cond);
  g_mutex_unlock (&w->lock);
  g_thread_join (g_steal_pointer (&thread));

  if (w->error != NULL)
    bench_miss (bench, "writer: %s", w->error);
  if (sub.closed)
    bench_miss (bench, "the WebSocket closed during the burst (%s)", sub.close_reason);
  if (sub.system_error != NULL)
    bench_miss (bench, "%s", sub.system_error);
  if (sub.received != TOTAL_EVENTS)
    bench_miss (bench, "%u of %d events arrived (%d missing)", sub.received, TOTAL_EVENTS,
                TOTAL_EVENTS - (int) sub.received);
  if (sub.duplicates > 0)
    bench_miss (bench, "%u events arrived more than once", sub.duplicates);
  if (sub.out_of_order > 0)
    bench_miss (bench, "%u events arrived out of commit order", sub.out_of_order);
  if (sub.bogus > 0)
    bench_miss (bench, "%u frames were not valid events for the subscription", sub.bogus);
  if (sub.first_problem != NULL)
    printf ("first problem: %s\n", sub.first_problem);

  {
    double all = sub.received ? sub.last_event_at - bursts[0].start : 0;

    bench_json_int (json, "events_expected", TOTAL_EVENTS);
    bench_json_int (json, "events_received", sub.received);
    bench_json_int (json, "duplicates", sub.duplicates);
    bench_json_int (json, "out_of_order", sub.out_of_order);
    bench_json_int (json, "invalid_frames", sub.bogus);
    bench_json_ms (json, "time_to_last_event_ms", all);
    bench_json_int (json, "events_per_s", all > 0 ? (gint64) (sub.received / all) : 0);

    for (guint i = 0; i < N_BURSTS; i++)
      {
        Burst *b = &bursts[i];
        double write = b->committed > 0 ? b->committed - b->start : 0;
        double to_last = b->received ? b->last_at - b->start : 0;
        double after_commit = b->received && b->committed > 0 ? b->last_at - b->committed : 0;
        double rate = to_last > 0 ? b->received / to_last : 0;

        printf ("%s (%s): %u/%u events; writing took %.2f s; last event %.2f s after the first INSERT "
                "(%.2f s after the last COMMIT); %.0f events/s",
                b->name, b->what, b->received, b->rows, write, to_last, after_commit, rate);
        json_builder_set_member_name (json, b->name);
        json_builder_begin_object (json);
        bench_json_int (json, "rows", b->rows);
        bench_json_int (json, "txns", b->txns);
        bench_json_int (json, "events_received", b->received);
        bench_json_ms (json, "write_ms", write);
        bench_json_ms (json, "first_insert_to_last_event_ms", to_last);
        bench_json_ms (json, "last_commit_to_last_event_ms", after_commit);
        bench_json_int (json, "events_per_s", (gint64) rate);
        if (b->latency_ms->len > 0)
          {
            double p50 = bench_percentile (b->latency_ms, 50);
            double p99 = bench_percentile (b->latency_ms, 99);
            double max = bench_max (b->latency_ms);

            printf ("; INSERT→event latency p50 %.1f ms, p99 %.1f ms, max %.1f ms", p50, p99, max);
            bench_json_ms (json, "latency_ms_p50", p50 / 1000.0);
            bench_json_ms (json, "latency_ms_p99", p99 / 1000.0);
            bench_json_ms (json, "latency_ms_max", max / 1000.0);
          }
        printf ("\n");
        json_builder_end_object (json);
      }
    printf ("all: %u/%d events, %u duplicates, %u out of order; %.2f s from the first INSERT to the last event, "
            "%.0f events/s\n", sub.received, TOTAL_EVENTS, sub.duplicates, sub.out_of_order, all,
            all > 0 ? sub.received / all : 0);
  }

stop_loop:
  g_source_remove (heartbeat_id);
  g_source_remove (tick_id);
  g_signal_handlers_disconnect_by_data (sub.conn, &sub);
  if (soup_websocket_connection_get_state (sub.conn) == SOUP_WEBSOCKET_STATE_OPEN)
    {
      soup_websocket_connection_close (sub.conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      deadline = bench_now () + 5;
      while (soup_websocket_connection_get_state (sub.conn) != SOUP_WEBSOCKET_STATE_CLOSED &&
             bench_now () < deadline)
        g_main_context_iteration (NULL, FALSE);
    }
out:
  if (thread != NULL)
    g_thread_join (g_steal_pointer (&thread));
  g_clear_object (&sub.conn);
  g_clear_object (&sub.parser);
  for (guint i = 0; i < N_BURSTS; i++)
    g_clear_pointer (&bursts[i].latency_ms, g_array_unref);
  g_free (sub.seen);
  g_free (sub.join_ref);
  g_free (sub.join_error);
  g_free (sub.system_error);
  g_free (sub.close_reason);
  g_free (sub.first_problem);
  g_mutex_clear (&w->lock);
  g_cond_clear (&w->cond);
  g_free (w->error);
  g_free (w->db_url);
  g_free (w);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(Bench) bench = bench_new ("realtime-burst");
  g_autoptr(JsonBuilder) json = bench_json_begin (bench);
  SupaTestServer *server;
  double t0 = bench_now ();

  setvbuf (stdout, NULL, _IOLBF, 0);
  server = supa_test_server_start ("empty", NULL);
  printf ("supabase-local (seed empty) ready in %.2f s\n", bench_now () - t0);
  run (bench, server, json);
  supa_test_server_stop (server);
  return bench_finish (bench, json);
}
