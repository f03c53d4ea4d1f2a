// Unit tests for src/mqtt_broker.c: the subscription tree (exact, +, #,
// $-topics, empty levels, overlapping filters, pruning), the retained store
// and its limits, the session queue and its limits, packet ids, the session
// limit. No sockets: sessions are offline (QoS 1/2 messages go to their
// queues, where the tests read them). Includes mongoose.c to reach the
// static functions, with small limits compiled in.
#define MG_MQTT_BROKER_MAX_QUEUED 5
#define MG_MQTT_BROKER_MAX_QUEUED_BYTES 400
#define MG_MQTT_BROKER_MAX_TOTAL_QUEUED_BYTES 700
#define MG_MQTT_BROKER_MAX_RETAINED 3
#define MG_MQTT_BROKER_MAX_RETAINED_BYTES 300
#define MG_MQTT_BROKER_MAX_SUBSCRIPTIONS 4
#define MG_MQTT_BROKER_MAX_SESSIONS 70  // The id table grows past 64
#define MG_MQTT_BROKER_MAX_INFLIGHT 3
#define MG_MQTT_BROKER_MAX_TOPIC_LEVELS 8
#define MG_MQTT_BROKER_MAX_TREE_BYTES 4096
#include "../../mongoose.c"  // First: it sets the feature-test macros

#include <setjmp.h>

#include <cmocka.h>

static struct mg_mqtt_broker s_brk;

static int setup(void **state) {
  (void) state;
  mg_mqtt_broker_init(&s_brk, NULL);
  assert_non_null(brk_state(&s_brk));
  return 0;
}

static int teardown(void **state) {
  (void) state;
  mg_mqtt_broker_free(&s_brk);
  assert_null(s_brk.priv);
  return 0;
}

static struct brk_state *st(void) {
  return (struct brk_state *) s_brk.priv;
}

// An offline session (clean session 0) called id.
static struct brk_session *sess(const char *id) {
  struct brk_session *bs = sess_new(st(), mg_mk_str(id));
  assert_non_null(bs);
  return bs;
}

static void sub(struct brk_session *bs, const char *filter, int qos) {
  assert_int_equal(brk_subscribe(bs, mg_mk_str(filter), (uint8_t) qos), qos);
}

static void pub(const char *topic, const char *payload, int qos, int retain) {
  brk_publish(st(), mg_mk_str(topic), mg_mk_str(payload), (uint8_t) qos,
              retain);
}

// The best QoS with which topic reaches bs, or -1 if it does not.
static int match_qos(struct brk_session *bs, const char *topic) {
  size_t i, n = 0;
  int qos = -1;
  brk_collect(st(), mg_mk_str(topic));
  for (i = 0; i < st()->num_targets; i++) {
    if (st()->targets[i] == bs) {
      qos = bs->best;
      n++;
    }
  }
  assert_true(n <= 1);  // Once at most
  return qos;
}

static int matches(struct brk_session *bs, const char *topic) {
  return match_qos(bs, topic) >= 0;
}

// The i-th queued message of bs: its topic, payload and QoS.
static struct brk_qent *queued(struct brk_session *bs, size_t i) {
  assert_true(i < bs->q_len);
  return &bs->q[(bs->q_head + i) % bs->q_cap];
}

static void assert_queued(struct brk_session *bs, size_t i, const char *topic,
                          const char *payload, int qos, int retain) {
  struct brk_qent *e = queued(bs, i);
  struct mg_str t = msg_topic(e->msg), p = msg_payload(e->msg);
  assert_int_equal(t.len, strlen(topic));
  assert_memory_equal(t.p, topic, t.len);
  assert_int_equal(p.len, strlen(payload));
  if (p.len > 0) assert_memory_equal(p.p, payload, p.len);
  assert_int_equal(e->qos, qos);
  assert_int_equal(e->retain, retain);
}

// ---- The tree
// ----------------------------------------------------------------

static void test_mqtt_broker_exact_plus_and_hash_filters_match(void **state) {
  struct brk_session *a = sess("a"), *b = sess("b"), *c = sess("c"),
                     *d = sess("d");
  (void) state;
  sub(a, "x/y", 0);
  sub(b, "x/+", 0);
  sub(c, "x/#", 0);
  sub(d, "+/y/#", 0);
  assert_true(matches(a, "x/y"));
  assert_true(matches(b, "x/y"));
  assert_true(matches(c, "x/y"));
  assert_true(matches(d, "x/y"));
  assert_false(matches(a, "x/y/z"));
  assert_false(matches(b, "x/y/z"));
  assert_true(matches(c, "x/y/z"));
  assert_true(matches(d, "q/y/z/w"));
  assert_false(matches(a, "x"));
  assert_false(matches(b, "x"));
  assert_false(matches(a, "X/y"));  // Case matters
  assert_false(matches(c, "xx/y"));
  assert_false(matches(d, "x/z"));
}

static void test_mqtt_broker_hash_matches_the_parent_level(void **state) {
  struct brk_session *a = sess("a"), *b = sess("b"), *c = sess("c");
  (void) state;
  sub(a, "sport/tennis/#", 1);
  sub(b, "#", 1);
  sub(c, "+/#", 1);
  assert_true(matches(a, "sport/tennis"));
  assert_true(matches(a, "sport/tennis/player1/ranking"));
  assert_false(matches(a, "sport/tennisX"));
  assert_false(matches(a, "sport"));
  assert_true(matches(b, "sport"));
  assert_true(matches(c, "sport"));
  assert_true(matches(b, "/"));
  assert_true(matches(c, "a/b/c/d"));
}

static void test_mqtt_broker_dollar_topics_skip_leading_wildcards(void **s) {
  struct brk_session *a = sess("a"), *b = sess("b"), *c = sess("c"),
                     *d = sess("d");
  (void) s;
  sub(a, "#", 0);
  sub(b, "+/monitor/Clients", 0);
  sub(c, "$SYS/#", 0);
  sub(d, "$SYS/monitor/+", 0);
  assert_false(matches(a, "$SYS/monitor/Clients"));
  assert_false(matches(b, "$SYS/monitor/Clients"));
  assert_true(matches(c, "$SYS/monitor/Clients"));
  assert_true(matches(d, "$SYS/monitor/Clients"));
  assert_true(matches(b, "x/monitor/Clients"));
  assert_true(matches(a, "x/$y"));  // $ only counts at the first level
  assert_false(matches(c, "x/$SYS"));
}

static void test_mqtt_broker_empty_levels_are_levels(void **state) {
  struct brk_session *a = sess("a"), *b = sess("b"), *c = sess("c");
  (void) state;
  sub(a, "a/+/b", 0);
  sub(b, "+/a", 0);
  sub(c, "a/+", 0);
  assert_true(matches(a, "a//b"));
  assert_false(matches(a, "a/b"));
  assert_true(matches(b, "/a"));
  assert_true(matches(c, "a/"));
  assert_false(matches(c, "a"));
}

static void test_mqtt_broker_overlapping_filters_deliver_once_at_highest_qos(
    void **state) {
  struct brk_session *a = sess("a"), *b = sess("b");
  (void) state;
  sub(a, "x/+", 1);
  sub(a, "x/#", 2);
  sub(a, "x/y", 0);
  sub(b, "x/y", 0);
  assert_int_equal(match_qos(a, "x/y"), 2);
  assert_int_equal(match_qos(b, "x/y"), 0);
  assert_int_equal(st()->num_targets, 2);
  // A QoS 1 message reaches a once, at min(1, 2) = 1: one queue entry.
  pub("x/y", "m", 1, 0);
  assert_int_equal(a->q_len, 1);
  assert_queued(a, 0, "x/y", "m", 1, 0);
  assert_int_equal(b->q_len, 0);  // QoS 0 for b: not kept while offline
}

static void test_mqtt_broker_resubscribe_replaces_qos(void **state) {
  struct brk_session *a = sess("a");
  (void) state;
  sub(a, "x", 2);
  sub(a, "x", 0);
  assert_int_equal(a->s.num_subscriptions, 1);
  assert_string_equal(a->s.subscriptions[0].topic, "x");
  assert_int_equal(a->s.subscriptions[0].qos, 0);
  assert_int_equal(match_qos(a, "x"), 0);
  assert_int_equal(node_path(st(), mg_mk_str("x"), 0)->num_subs, 1);
}

static void test_mqtt_broker_unsubscribe_prunes_the_tree(void **state) {
  struct brk_session *a = sess("a"), *b = sess("b");
  (void) state;
  sub(a, "p/q/r", 1);
  sub(b, "p/q/+", 1);
  sub(a, "p/#", 1);
  assert_int_equal(st()->num_nodes, 5);  // p, q, r, +, #
  brk_unsubscribe(a, mg_mk_str("p/q/r"));
  assert_int_equal(st()->num_nodes, 4);
  assert_int_equal(match_qos(a, "p/q/x"), 1);  // Still by p/#
  brk_unsubscribe(a, mg_mk_str("p/#"));
  brk_unsubscribe(a, mg_mk_str("not/subscribed"));  // Nothing happens
  assert_int_equal(a->s.num_subscriptions, 0);
  assert_false(matches(a, "p/q/r"));
  assert_true(matches(b, "p/q/r"));
  assert_int_equal(st()->num_nodes, 3);
  sess_free(b);  // Ends its subscriptions too
  assert_int_equal(st()->num_nodes, 0);
  assert_null(st()->root.child);
  assert_null(st()->root.hash);
}

static void test_mqtt_broker_subscription_limits_refuse_with_0x80(void **s) {
  struct brk_session *a = sess("a");
  (void) s;
  sub(a, "1", 0);
  sub(a, "2", 1);
  sub(a, "3", 2);
  sub(a, "4", 0);
  assert_int_equal(brk_subscribe(a, mg_mk_str("5"), 0), 0x80);
  sub(a, "4", 1);  // An existing filter may still change
  assert_int_equal(a->s.num_subscriptions, 4);
  assert_false(matches(a, "5"));
  brk_unsubscribe(a, mg_mk_str("1"));
  assert_int_equal(brk_subscribe(a, mg_mk_str("1/2/3/4/5/6/7/8/9"), 0), 0x80);
  sub(a, "1/2/3/4/5/6/7/8", 0);  // MAX_TOPIC_LEVELS (8) levels is fine
}

static void test_mqtt_broker_tree_bytes_limit_refuses_and_leaves_no_trace(
    void **state) {
  struct brk_session *a = sess("a"), *b = sess("b");
  char f1[8 * 101], f2[8 * 101];
  size_t nodes, bytes;
  int i;
  (void) state;
  // Eight levels of 100 bytes: about 2.5 KB of the 4 KB allowed.
  for (i = 0; i < 8; i++) {
    memset(f1 + i * 101, 'a' + i, 100);
    memset(f2 + i * 101, 'q' + i, 100);
    f1[i * 101 + 100] = f2[i * 101 + 100] = '/';
  }
  f1[8 * 101 - 1] = f2[8 * 101 - 1] = '\0';
  sub(a, f1, 1);
  nodes = st()->num_nodes;
  bytes = st()->tree_bytes;
  assert_int_equal(nodes, 8);
  assert_true(bytes <= 4096);
  assert_int_equal(brk_subscribe(b, mg_mk_str(f2), 1), 0x80);
  assert_int_equal(st()->num_nodes, nodes);  // What was made is undone
  assert_int_equal(st()->tree_bytes, bytes);
  assert_int_equal(b->s.num_subscriptions, 0);
  pub(f2, "not kept", 0, 1);  // No room for its nodes: not retained
  assert_int_equal(st()->num_retained, 0);
  assert_int_equal(st()->num_nodes, nodes);
  sub(b, f1, 2);  // The same filter needs only an entry
  brk_unsubscribe(a, mg_mk_str(f1));
  brk_unsubscribe(b, mg_mk_str(f1));
  assert_int_equal(st()->num_nodes, 0);
  assert_int_equal(st()->tree_bytes, 0);
}

// ---- Retained messages
// -------------------------------------------------------

static void test_mqtt_broker_retained_stored_replaced_and_deleted(void **s) {
  struct brk_session *a = sess("a");
  struct brk_node *n;
  (void) s;
  pub("r/1", "first", 1, 1);
  pub("r/1", "second", 2, 1);
  n = node_path(st(), mg_mk_str("r/1"), 0);
  assert_non_null(n);
  assert_non_null(n->retained);
  assert_int_equal(st()->num_retained, 1);
  assert_int_equal(st()->retained_bytes, n->retained->len);
  assert_int_equal(n->retained->qos, 2);
  sub(a, "r/+", 1);
  brk_walk_retained(a, &st()->root, "r/+", "r/+" + 3, 0, 1);
  assert_int_equal(a->q_len, 1);
  assert_queued(a, 0, "r/1", "second", 1, 1);  // min(2, 1), RETAIN set
  pub("r/1", "", 0, 1);  // Deletes, and is delivered as usual (QoS 0)
  assert_int_equal(st()->num_retained, 0);
  assert_int_equal(st()->retained_bytes, 0);
  assert_null(node_path(st(), mg_mk_str("r/1"), 0));
  pub("r/2", "", 0, 1);  // Deleting nothing leaves nothing behind
  assert_null(node_path(st(), mg_mk_str("r/2"), 0));
  assert_int_equal(st()->num_nodes, 2);  // r and + (a's filter)
}

static void test_mqtt_broker_retained_count_limit_keeps_old_refuses_new(
    void **state) {
  (void) state;
  pub("t/1", "a", 0, 1);
  pub("t/2", "b", 0, 1);
  pub("t/3", "c", 0, 1);
  pub("t/4", "d", 0, 1);  // Fourth topic: not stored
  assert_int_equal(st()->num_retained, 3);
  assert_null(node_path(st(), mg_mk_str("t/4"), 0));
  pub("t/3", "cc", 0, 1);  // Replacing is still possible
  assert_int_equal(st()->num_retained, 3);
  pub("t/1", "", 0, 1);
  pub("t/4", "d", 0, 1);  // Room again
  assert_non_null(node_path(st(), mg_mk_str("t/4"), 0));
  assert_int_equal(st()->num_retained, 3);
}

static void test_mqtt_broker_retained_bytes_limit(void **state) {
  char big[201];
  (void) state;
  memset(big, 'x', 200);
  big[200] = '\0';
  pub("b/1", big, 0, 1);  // About 210 bytes of 300
  assert_int_equal(st()->num_retained, 1);
  pub("b/2", big, 0, 1);  // Would pass 300
  assert_int_equal(st()->num_retained, 1);
  assert_null(node_path(st(), mg_mk_str("b/2"), 0));
  assert_true(st()->retained_bytes <= 300);
  pub("b/1", big + 100, 0, 1);  // A smaller replacement fits
  assert_int_equal(st()->num_retained, 1);
  pub("b/2", big + 100, 0, 1);
  assert_int_equal(st()->num_retained, 2);
  assert_true(st()->retained_bytes <= 300);
}

// The topics of the retained messages that filter f gets, in a's queue.
static size_t walk(struct brk_session *a, const char *f) {
  size_t i, n;
  for (i = 0; i < a->q_len; i++) msg_unref(queued(a, i)->msg);
  st()->held_bytes -= a->q_bytes;
  a->q_len = a->q_head = a->q_bytes = 0;
  brk_walk_retained(a, &st()->root, f, f + strlen(f), 0, 2);
  n = a->q_len;
  return n;
}

static int walked(struct brk_session *a, const char *topic) {
  size_t i;
  for (i = 0; i < a->q_len; i++) {
    struct mg_str t = msg_topic(queued(a, i)->msg);
    if (t.len == strlen(topic) && memcmp(t.p, topic, t.len) == 0) return 1;
  }
  return 0;
}

static void test_mqtt_broker_retained_found_by_filters(void **state) {
  struct brk_session *a = sess("a");
  (void) state;
  pub("a", "1", 1, 1);
  pub("a/b", "2", 1, 1);
  pub("$SYS/x", "3", 1, 1);
  assert_int_equal(walk(a, "a/#"), 2);
  assert_true(walked(a, "a") && walked(a, "a/b"));
  assert_int_equal(walk(a, "#"), 2);
  assert_false(walked(a, "$SYS/x"));
  assert_int_equal(walk(a, "+"), 1);
  assert_true(walked(a, "a"));
  assert_int_equal(walk(a, "+/+"), 1);
  assert_true(walked(a, "a/b"));
  assert_int_equal(walk(a, "$SYS/#"), 1);
  assert_int_equal(walk(a, "$SYS/+"), 1);
  assert_int_equal(walk(a, "+/x"), 0);
  assert_int_equal(walk(a, "a/b"), 1);
  assert_int_equal(walk(a, "a/b/c"), 0);
  assert_int_equal(walk(a, "a/+/#"), 1);  // # matches the parent: a/b
  assert_int_equal(walk(a, "a/b/#"), 1);
  // A subscription's "+" node holds no retained message.
  sub(a, "a/+", 1);
  assert_int_equal(walk(a, "a/+"), 1);
}

// ---- Queues, ids, sessions
// ---------------------------------------------------

static void test_mqtt_broker_offline_queue_keeps_first_and_counts_drops(
    void **state) {
  struct brk_session *a = sess("a");
  char payload[16];
  int i;
  (void) state;
  sub(a, "q", 2);
  for (i = 0; i < 8; i++) {
    snprintf(payload, sizeof(payload), "%d", i);
    pub("q", payload, 1 + (i & 1), 0);
  }
  pub("q", "qos0", 0, 0);  // Not kept for an offline session
  assert_int_equal(a->q_len, 5);
  assert_int_equal(a->dropped_queue, 3);
  for (i = 0; i < 5; i++) {
    snprintf(payload, sizeof(payload), "%d", i);
    assert_queued(a, (size_t) i, "q", payload, 1 + (i & 1), 0);
  }
  assert_int_equal(a->dropped_qos0, 0);
  assert_int_equal(st()->held_bytes, a->q_bytes);
}

static void test_mqtt_broker_queue_bytes_limits(void **state) {
  struct brk_session *a = sess("a"), *b = sess("b");
  char big[151];
  (void) state;
  memset(big, 'y', 150);
  big[150] = '\0';
  sub(a, "big", 1);
  sub(b, "big", 1);
  pub("big", big, 1, 0);  // About 160 bytes each
  pub("big", big, 1, 0);
  pub("big", big, 1, 0);  // a: over 400 per session; b: over 700 in all
  assert_int_equal(a->q_len, 2);
  assert_int_equal(a->dropped_queue, 1);
  assert_true(a->q_bytes <= 400);
  assert_int_equal(b->q_len, 2);
  assert_true(st()->held_bytes <= 700);
  pub("big", "s", 1, 0);  // A small one still fits
  assert_int_equal(a->q_len, 3);
  assert_true(st()->held_bytes <= 700);
}

static void test_mqtt_broker_message_shared_between_sessions(void **state) {
  struct brk_session *a = sess("a"), *b = sess("b"), *c = sess("c");
  (void) state;
  sub(a, "s", 1);
  sub(b, "s", 2);
  sub(c, "#", 1);
  pub("s", "one copy", 2, 1);
  assert_ptr_equal(queued(a, 0)->msg, queued(b, 0)->msg);
  assert_ptr_equal(queued(a, 0)->msg, queued(c, 0)->msg);
  assert_int_equal(queued(a, 0)->msg->refs, 4);  // 3 queues and retained
  assert_int_equal(queued(a, 0)->qos, 1);
  assert_int_equal(queued(b, 0)->qos, 2);
  assert_int_equal(queued(a, 0)->retain, 0);  // RETAIN cleared on delivery
}

static void test_mqtt_broker_packet_ids_skip_zero_and_in_flight(void **s) {
  struct brk_session *a = sess("a");
  (void) s;
  a->last_id = 65534;
  a->flight[0].id = 1;
  a->flight[1].id = 65535;
  a->num_flight = 2;
  assert_int_equal(sess_next_id(a), 2);
  assert_int_equal(sess_next_id(a), 3);
  a->num_flight = 0;
}

static void test_mqtt_broker_acks_free_the_window(void **state) {
  struct brk_session *a = sess("a");
  struct brk_msg *m = msg_new(st(), mg_mk_str("t"), mg_mk_str("p"), 2);
  (void) state;
  assert_non_null(m);
  // As if sent: one QoS 1 and one QoS 2 in flight.
  a->flight[0].msg = m;
  a->flight[0].id = 7;
  a->flight[0].qos = 1;
  a->flight[1].msg = m;
  a->flight[1].id = 8;
  a->flight[1].qos = 2;
  a->num_flight = 2;
  m->refs += 2;
  sess_acked(a, MG_MQTT_CMD_PUBCOMP, 8);  // Before PUBREC: ignored
  sess_acked(a, MG_MQTT_CMD_PUBREC, 7);   // Wrong QoS: ignored
  sess_acked(a, MG_MQTT_CMD_PUBACK, 9);   // Unknown id: ignored
  assert_int_equal(a->num_flight, 2);
  sess_acked(a, MG_MQTT_CMD_PUBREC, 8);
  assert_null(a->flight[1].msg);  // PUBREL stage: the message is released
  assert_int_equal(m->refs, 2);
  sess_acked(a, MG_MQTT_CMD_PUBACK, 7);
  assert_int_equal(a->num_flight, 1);
  assert_int_equal(a->flight[0].id, 8);
  sess_acked(a, MG_MQTT_CMD_PUBCOMP, 8);
  assert_int_equal(a->num_flight, 0);
  assert_int_equal(m->refs, 1);
  msg_unref(m);
}

static void test_mqtt_broker_session_limit_ends_oldest_offline(void **state) {
  struct brk_session *all[MG_MQTT_BROKER_MAX_SESSIONS];
  struct mg_mqtt_session *s;
  char id[16];
  size_t n = 0;
  int i;
  (void) state;
  for (i = 0; i < MG_MQTT_BROKER_MAX_SESSIONS; i++) {
    snprintf(id, sizeof(id), "s%d", i);
    all[i] = sess(id);
    all[i]->offline_since = 100 + i;
  }
  all[17]->offline_since = 10;  // Offline longest
  assert_int_equal(st()->num_sessions, MG_MQTT_BROKER_MAX_SESSIONS);
  assert_true(st()->num_id_buckets >= MG_MQTT_BROKER_MAX_SESSIONS);  // Grew
  for (i = 0; i < MG_MQTT_BROKER_MAX_SESSIONS; i++) {
    snprintf(id, sizeof(id), "s%d", i);
    assert_ptr_equal(sess_find(st(), mg_mk_str(id)), all[i]);
  }
  assert_non_null(sess("new"));
  assert_int_equal(st()->num_sessions, MG_MQTT_BROKER_MAX_SESSIONS);
  assert_null(sess_find(st(), mg_mk_str("s17")));
  assert_ptr_equal(sess_find(st(), mg_mk_str("s18")), all[18]);
  assert_non_null(sess_find(st(), mg_mk_str("new")));
  assert_ptr_equal(sess_find(st(), mg_mk_str("s1")), all[1]);
  for (s = mg_mqtt_next(&s_brk, NULL); s != NULL; s = mg_mqtt_next(&s_brk, s)) {
    assert_ptr_equal(s->brk, &s_brk);
    n++;
  }
  assert_int_equal(n, MG_MQTT_BROKER_MAX_SESSIONS);
  assert_null(sess_find(st(), mg_mk_str("")));  // Empty ids never match
  // Every session online: one more is refused.
  for (i = 0; i < MG_MQTT_BROKER_MAX_SESSIONS; i++) {
    snprintf(id, sizeof(id), "s%d", i);
    if (i != 17) sess_find(st(), mg_mk_str(id))->s.nc = (void *) &s_brk;
  }
  sess_find(st(), mg_mk_str("new"))->s.nc = (void *) &s_brk;
  assert_null(sess_new(st(), mg_mk_str("refused")));
  for (s = mg_mqtt_next(&s_brk, NULL); s != NULL; s = mg_mqtt_next(&s_brk, s)) {
    s->nc = NULL;  // Not real connections: offline again for the teardown
  }
}

static void test_mqtt_broker_stats_and_free_with_everything_held(void **s) {
  struct brk_session *a = sess("a");
  struct mg_mqtt_broker_stats bst;
  struct mg_mqtt_session_stats sst;
  (void) s;
  sub(a, "k/#", 2);
  pub("k/1", "v", 2, 1);
  pub("k/2", "v", 0, 1);
  mg_mqtt_broker_stats(&s_brk, &bst);
  assert_int_equal(bst.sessions, 1);
  assert_int_equal(bst.online, 0);
  assert_int_equal(bst.retained, 2);
  assert_int_equal(bst.nodes, 4);  // k, #, 1, 2
  mg_mqtt_session_stats(&a->s, &sst);
  assert_int_equal(sst.queued, 1);
  assert_int_equal(sst.queued_bytes, bst.held_bytes);
  assert_int_equal(sst.inflight, 0);
  // teardown frees the session, the tree and the retained messages (ASan
  // and valgrind check that nothing is left).
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(test_mqtt_broker_exact_plus_and_hash_filters_match),
      T(test_mqtt_broker_hash_matches_the_parent_level),
      T(test_mqtt_broker_dollar_topics_skip_leading_wildcards),
      T(test_mqtt_broker_empty_levels_are_levels),
      T(test_mqtt_broker_overlapping_filters_deliver_once_at_highest_qos),
      T(test_mqtt_broker_resubscribe_replaces_qos),
      T(test_mqtt_broker_unsubscribe_prunes_the_tree),
      T(test_mqtt_broker_subscription_limits_refuse_with_0x80),
      T(test_mqtt_broker_tree_bytes_limit_refuses_and_leaves_no_trace),
      T(test_mqtt_broker_retained_stored_replaced_and_deleted),
      T(test_mqtt_broker_retained_count_limit_keeps_old_refuses_new),
      T(test_mqtt_broker_retained_bytes_limit),
      T(test_mqtt_broker_retained_found_by_filters),
      T(test_mqtt_broker_offline_queue_keeps_first_and_counts_drops),
      T(test_mqtt_broker_queue_bytes_limits),
      T(test_mqtt_broker_message_shared_between_sessions),
      T(test_mqtt_broker_packet_ids_skip_zero_and_in_flight),
      T(test_mqtt_broker_acks_free_the_window),
      T(test_mqtt_broker_session_limit_ends_oldest_offline),
      T(test_mqtt_broker_stats_and_free_with_everything_held),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
