// The MQTT broker (src/mqtt_broker.c) on real sockets: our client
// (mg_connect + mg_set_protocol_mqtt + the send functions) and raw
// sockets, where the bytes matter, against our broker in the same manager.
// QoS 0/1/2 delivery and downgrade, retained messages, wills (abrupt close,
// keep-alive expiry, not after DISCONNECT, takeover), clean session 0
// (subscriptions kept, offline queue and its bound, in-flight resent with
// DUP), the in-flight window, a slow subscriber, many filters, order,
// $-topics, malformed input and MQTT over WebSocket. Small limits are
// compiled in: this test builds mongoose.c itself.
#define MG_MQTT_BROKER_MAX_QUEUED 100
#define MG_MQTT_BROKER_MAX_SUBSCRIPTIONS 12
#include "../../mongoose.c"
#include "net_util.h"

static struct {
  struct mg_mgr mgr;
  struct mg_mqtt_broker brk;
  struct mg_connection *lc;
  int port;
} s_fx;

static int setup(void **state) {
  (void) state;
  mg_mgr_init(&s_fx.mgr, NULL);
  mg_mqtt_broker_init(&s_fx.brk, NULL);
  s_fx.lc = mg_bind(&s_fx.mgr, "127.0.0.1:0", mg_mqtt_broker);
  assert_non_null(s_fx.lc);
  s_fx.lc->priv_2 = &s_fx.brk;
  mg_set_protocol_mqtt(s_fx.lc);
  s_fx.port = conn_port(s_fx.lc);
  return 0;
}

static void cl_handler(struct mg_connection *nc, int ev, void *ev_data);

static int teardown(void **state) {
  struct mg_connection *c;
  (void) state;
  // The clients' state was on the test's stack: it is gone now.
  for (c = mg_next(&s_fx.mgr, NULL); c != NULL; c = mg_next(&s_fx.mgr, c)) {
    if (c->handler == cl_handler) c->user_data = NULL;
  }
  mg_mgr_free(&s_fx.mgr);
  mg_mqtt_broker_free(&s_fx.brk);
  return 0;
}

static void poll_for(double seconds) {
  double deadline = mg_time() + seconds;
  while (mg_time() < deadline) mg_mgr_poll(&s_fx.mgr, 5);
}

// Polls until *p >= v or seconds pass.
static int poll_ge(const int *p, int v, double seconds) {
  double deadline = mg_time() + seconds;
  while (*p < v && mg_time() < deadline) mg_mgr_poll(&s_fx.mgr, 5);
  return *p >= v;
}

// ---- Our client
// --------------------------------------------------------------

#define MAX_RX 64

struct rxmsg {
  char topic[64];
  char payload[64];
  int qos, retain, dup, seq;
};

struct cl {
  struct mg_connection *nc;
  const char *id;
  struct mg_send_mqtt_handshake_opts opts;
  int connack, present, closed, seq;
  int subacks, suback_seq, ncodes;
  uint8_t codes[32];
  int unsubacks, pubacks, pubcomps;
  int npubs;  // All received; the first MAX_RX are in pubs
  struct rxmsg pubs[MAX_RX];
  int next_seq, out_of_order;  // Topic "seq": payloads 0, 1, 2, ...
};

static void cl_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct cl *c = (struct cl *) nc->user_data;
  struct mg_mqtt_message *m = (struct mg_mqtt_message *) ev_data;
  struct rxmsg *r;
  if (c == NULL) return;  // After the test
  if (ev == MG_EV_CONNECT && *(int *) ev_data == 0) {
    mg_send_mqtt_handshake_opt(nc, c->id, c->opts);
  } else if (ev == MG_EV_MQTT_CONNACK) {
    c->connack = m->connack_ret_code;
    c->present = m->session_present;
  } else if (ev == MG_EV_MQTT_SUBACK) {
    c->suback_seq = ++c->seq;
    c->ncodes = (int) m->payload.len;
    memcpy(c->codes, m->payload.p, m->payload.len < 32 ? m->payload.len : 32);
    c->subacks++;
  } else if (ev == MG_EV_MQTT_UNSUBACK) {
    c->unsubacks++;
  } else if (ev == MG_EV_MQTT_PUBACK) {
    c->pubacks++;
  } else if (ev == MG_EV_MQTT_PUBCOMP) {
    c->pubcomps++;
  } else if (ev == MG_EV_MQTT_PUBLISH) {
    if (mg_vcmp(&m->topic, "seq") == 0) {
      char num[16];
      snprintf(num, sizeof(num), "%.*s", (int) m->payload.len, m->payload.p);
      if (atoi(num) != c->next_seq) c->out_of_order++;
      c->next_seq++;
    }
    if (c->npubs < MAX_RX) {
      r = &c->pubs[c->npubs];
      snprintf(r->topic, sizeof(r->topic), "%.*s", (int) m->topic.len,
               m->topic.p);
      snprintf(r->payload, sizeof(r->payload), "%.*s", (int) m->payload.len,
               m->payload.p);
      r->qos = m->qos;
      r->retain = m->flags & MG_MQTT_RETAIN;
      r->dup = (m->flags & MG_MQTT_DUP) != 0;
      r->seq = ++c->seq;
    }
    c->npubs++;
  } else if (ev == MG_EV_CLOSE) {
    c->closed = 1;
    c->nc = NULL;
  }
}

// Starts a client; opts may be NULL.
static void cl_start(struct cl *c, const char *id, int flags,
                     const struct mg_send_mqtt_handshake_opts *opts) {
  struct mg_connect_opts o;
  char addr[32];
  memset(c, 0, sizeof(*c));
  c->connack = -1;
  c->id = id;
  if (opts != NULL) c->opts = *opts;
  c->opts.flags |= (unsigned char) flags;
  memset(&o, 0, sizeof(o));
  o.user_data = c;
  snprintf(addr, sizeof(addr), "127.0.0.1:%d", s_fx.port);
  c->nc = mg_connect_opt(&s_fx.mgr, addr, cl_handler, o);
  assert_non_null(c->nc);
  mg_set_protocol_mqtt(c->nc);
}

static void cl_connect(struct cl *c, const char *id, int flags) {
  cl_start(c, id, flags, NULL);
  assert_true(poll_ge(&c->connack, 0, 5));
  assert_int_equal(c->connack, 0);
}

static void cl_subscribe(struct cl *c, const char *filter, int qos) {
  struct mg_mqtt_topic_expression te;
  int n = c->subacks;
  te.topic = filter;
  te.qos = (uint8_t) qos;
  mg_mqtt_subscribe(c->nc, &te, 1, 1);
  assert_true(poll_ge(&c->subacks, n + 1, 5));
  assert_int_equal(c->ncodes, 1);
  assert_int_equal(c->codes[0], qos);
}

static void cl_publish(struct cl *c, const char *topic, int qos, int retain,
                       const char *payload) {
  static uint16_t id = 0;
  if (++id == 0) id = 1;
  mg_mqtt_publish(c->nc, topic, qos > 0 ? id : 0,
                  MG_MQTT_QOS(qos) | (retain ? MG_MQTT_RETAIN : 0), payload,
                  strlen(payload));
}

static struct mg_mqtt_session *find_session(const char *id);

// Sends DISCONNECT and waits until the broker has seen the close too.
static void cl_disconnect(struct cl *c) {
  struct mg_mqtt_session *s;
  double deadline = mg_time() + 5;
  mg_mqtt_disconnect(c->nc);
  assert_true(poll_ge(&c->closed, 1, 5));
  while ((s = find_session(c->id)) != NULL && s->nc != NULL &&
         mg_time() < deadline) {
    mg_mgr_poll(&s_fx.mgr, 5);
  }
  assert_true(s == NULL || s->nc == NULL);
}

// Waits for n received messages in all.
static void cl_wait(struct cl *c, int n) {
  assert_true(poll_ge(&c->npubs, n, 10));
}

static struct mg_mqtt_session *find_session(const char *id) {
  struct mg_mqtt_session *s;
  for (s = mg_mqtt_next(&s_fx.brk, NULL); s != NULL;
       s = mg_mqtt_next(&s_fx.brk, s)) {
    struct mg_str cid = ((struct brk_session *) s)->client_id;
    if (mg_vcmp(&cid, id) == 0) return s;
  }
  return NULL;
}

static struct mg_mqtt_session_stats session_stats(const char *id) {
  struct mg_mqtt_session_stats st;
  struct mg_mqtt_session *s = find_session(id);
  assert_non_null(s);
  mg_mqtt_session_stats(s, &st);
  return st;
}

// ---- Raw clients
// -------------------------------------------------------------

struct raw {
  int fd, closed;
  size_t len;
  unsigned char buf[1 << 16];
};

// A packet under construction: its body (after the fixed header).
struct pk {
  size_t n;
  unsigned char b[4096];
};

static void pk_u8(struct pk *p, int v) {
  p->b[p->n++] = (unsigned char) v;
}

static void pk_u16(struct pk *p, int v) {
  pk_u8(p, v >> 8);
  pk_u8(p, v & 0xff);
}

static void pk_bytes(struct pk *p, const void *s, size_t n) {
  assert_true(p->n + n <= sizeof(p->b));
  memcpy(p->b + p->n, s, n);
  p->n += n;
}

static void pk_str(struct pk *p, const char *s) {
  pk_u16(p, (int) strlen(s));
  pk_bytes(p, s, strlen(s));
}

static void raw_open_port(struct raw *r, int port, int rcvbuf) {
  struct sockaddr_in sin;
  memset(r, 0, sizeof(*r));
  r->fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(r->fd >= 0);
  if (rcvbuf > 0) {
    setsockopt(r->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  }
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_port = htons((uint16_t) port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(connect(r->fd, (struct sockaddr *) &sin, sizeof(sin)), 0);
  fcntl(r->fd, F_SETFL, fcntl(r->fd, F_GETFL, 0) | O_NONBLOCK);
}

// A raw connection to the broker; rcvbuf > 0 shrinks its receive buffer.
static void raw_open(struct raw *r, int rcvbuf) {
  raw_open_port(r, s_fx.port, rcvbuf);
}

static void raw_close(struct raw *r) {
  close(r->fd);
  r->fd = -1;
}

static void raw_bytes(struct raw *r, const void *p, size_t n) {
  raw_send(&s_fx.mgr, r->fd, (const char *) p, n);
}

// Sends a packet: first byte b0, then the body.
static void raw_pkt(struct raw *r, int b0, const struct pk *body) {
  unsigned char h[5];
  size_t n = mg_mqtt_encode_header(h, (uint8_t) b0, body->n);
  raw_bytes(r, h, n);
  raw_bytes(r, body->b, body->n);
}

// The length of the first whole packet in buf[0..n), or 0.
static size_t pkt_len(const unsigned char *buf, size_t n) {
  uint8_t b0;
  size_t rem, hl;
  if (mg_mqtt_parse_header(buf, n, &b0, &rem, &hl) != 1) return 0;
  return hl + rem <= n ? hl + rem : 0;
}

static void raw_read_some(struct raw *r) {
  ssize_t k;
  mg_mgr_poll(&s_fx.mgr, 2);
  if (r->len == sizeof(r->buf)) return;
  k = recv(r->fd, r->buf + r->len, sizeof(r->buf) - r->len, 0);
  if (k > 0) r->len += (size_t) k;
  if (k == 0 || (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
    r->closed = 1;
  }
}

// Waits for a whole packet at the front of r->buf; returns its length (0:
// none came: closed or timed out).
static size_t raw_wait(struct raw *r, double seconds) {
  double deadline = mg_time() + seconds;
  while (pkt_len(r->buf, r->len) == 0 && !r->closed && mg_time() < deadline) {
    raw_read_some(r);
  }
  return pkt_len(r->buf, r->len);
}

static void raw_pop(struct raw *r) {
  size_t n = pkt_len(r->buf, r->len);
  memmove(r->buf, r->buf + n, r->len - n);
  r->len -= n;
}

// Expects the next packet to be exactly these bytes.
static void raw_expect(struct raw *r, const void *bytes, size_t n) {
  assert_int_equal(raw_wait(r, 5), n);
  assert_memory_equal(r->buf, bytes, n);
  raw_pop(r);
}

// True once the broker closed r (bounded).
static int raw_wait_closed(struct raw *r, double seconds) {
  double deadline = mg_time() + seconds;
  while (!r->closed && mg_time() < deadline) {
    raw_read_some(r);
    if (r->len == sizeof(r->buf)) r->len = 0;  // Discard
  }
  return r->closed;
}

static void raw_connect_pkt(struct raw *r, const char *id, int flags,
                            int keep_alive, const char *will_topic,
                            const char *will_msg) {
  struct pk p;
  p.n = 0;
  pk_str(&p, "MQTT");
  pk_u8(&p, 4);
  pk_u8(&p, flags | (will_topic != NULL ? MG_MQTT_HAS_WILL : 0));
  pk_u16(&p, keep_alive);
  pk_str(&p, id);
  if (will_topic != NULL) {
    pk_str(&p, will_topic);
    pk_str(&p, will_msg);
  }
  raw_pkt(r, 0x10, &p);
}

// Connects and reads CONNACK; returns its session-present bit.
static int raw_mqtt(struct raw *r, const char *id, int flags, int keep_alive,
                    const char *will_topic, const char *will_msg) {
  int present;
  raw_open(r, 0);
  raw_connect_pkt(r, id, flags, keep_alive, will_topic, will_msg);
  assert_int_equal(raw_wait(r, 5), 4);
  assert_int_equal(r->buf[0], 0x20);
  assert_int_equal(r->buf[1], 2);
  assert_int_equal(r->buf[3], 0);
  present = r->buf[2];
  raw_pop(r);
  return present;
}

static void raw_subscribe(struct raw *r, const char *filter, int qos) {
  struct pk p;
  unsigned char suback[5] = {0x90, 3, 0x12, 0x34, 0};
  p.n = 0;
  pk_u16(&p, 0x1234);
  pk_str(&p, filter);
  pk_u8(&p, qos);
  raw_pkt(r, 0x82, &p);
  suback[4] = (unsigned char) qos;
  raw_expect(r, suback, sizeof(suback));
}

static void raw_id_pkt(struct raw *r, int b0, uint16_t id) {
  unsigned char b[4];
  b[0] = (unsigned char) b0;
  b[1] = 2;
  b[2] = (unsigned char) (id >> 8);
  b[3] = (unsigned char) id;
  raw_bytes(r, b, 4);
}

// The PUBLISH at the front of r: its flags nibble, topic, id and payload.
struct rawpub {
  int flags;
  char topic[64];
  uint16_t id;
  char payload[64];
};

static struct rawpub raw_publish_in(struct raw *r) {
  struct rawpub rp;
  size_t n = raw_wait(r, 5), hl, tl, off;
  uint8_t b0;
  size_t rem;
  memset(&rp, 0, sizeof(rp));
  assert_true(n > 0);
  mg_mqtt_parse_header(r->buf, n, &b0, &rem, &hl);
  assert_int_equal(b0 >> 4, MG_MQTT_CMD_PUBLISH);
  rp.flags = b0 & 0x0f;
  tl = (size_t) (r->buf[hl] << 8 | r->buf[hl + 1]);
  snprintf(rp.topic, sizeof(rp.topic), "%.*s", (int) tl,
           (char *) r->buf + hl + 2);
  off = hl + 2 + tl;
  if (MG_MQTT_GET_QOS(rp.flags) > 0) {
    rp.id = (uint16_t) (r->buf[off] << 8 | r->buf[off + 1]);
    off += 2;
  }
  snprintf(rp.payload, sizeof(rp.payload), "%.*s", (int) (n - off),
           (char *) r->buf + off);
  raw_pop(r);
  return rp;
}

// ---- QoS
// ---------------------------------------------------------------------

static void test_broker_qos_0_1_2_delivered_at_min_of_published_and_granted(
    void **state) {
  struct cl sub, pub;
  int i;
  (void) state;
  cl_connect(&sub, "sub", MG_MQTT_CLEAN_SESSION);
  cl_connect(&pub, "pub", MG_MQTT_CLEAN_SESSION);
  cl_subscribe(&sub, "t/0", 0);
  cl_subscribe(&sub, "t/1", 1);
  cl_subscribe(&sub, "t/2", 2);
  cl_publish(&pub, "t/0", 2, 0, "a");  // -> 0
  cl_publish(&pub, "t/1", 2, 0, "b");  // -> 1
  cl_publish(&pub, "t/2", 2, 0, "c");  // -> 2
  cl_publish(&pub, "t/2", 1, 0, "d");  // -> 1
  cl_publish(&pub, "t/2", 0, 0, "e");  // -> 0
  cl_wait(&sub, 5);
  for (i = 0; i < 5; i++) {
    static const int want[5] = {0, 1, 2, 1, 0};
    assert_int_equal(sub.pubs[i].payload[0], 'a' + i);
    assert_int_equal(sub.pubs[i].qos, want[i]);
    assert_int_equal(sub.pubs[i].retain, 0);
    assert_int_equal(sub.pubs[i].dup, 0);
  }
  assert_true(poll_ge(&pub.pubcomps, 3, 5));  // The publisher's QoS 2 flows
  assert_true(poll_ge(&pub.pubacks, 1, 5));
  poll_for(0.1);
  assert_int_equal(session_stats("sub").inflight, 0);  // All acknowledged
  assert_int_equal(sub.npubs, 5);
}

static void test_broker_qos2_to_a_raw_subscriber_pubrec_pubrel_pubcomp(
    void **state) {
  struct raw r;
  struct rawpub rp;
  struct cl pub;
  unsigned char pubrel[4] = {0x62, 2, 0, 0};
  (void) state;
  raw_mqtt(&r, "raw2", MG_MQTT_CLEAN_SESSION, 0, NULL, NULL);
  raw_subscribe(&r, "q2", 2);
  cl_connect(&pub, "pub", MG_MQTT_CLEAN_SESSION);
  cl_publish(&pub, "q2", 2, 0, "exactly once");
  rp = raw_publish_in(&r);
  assert_int_equal(rp.flags, MG_MQTT_QOS(2));
  assert_string_equal(rp.topic, "q2");
  assert_string_equal(rp.payload, "exactly once");
  assert_true(rp.id != 0);
  raw_id_pkt(&r, 0x50, rp.id);  // PUBREC
  pubrel[2] = (unsigned char) (rp.id >> 8);
  pubrel[3] = (unsigned char) rp.id;
  raw_expect(&r, pubrel, 4);
  assert_int_equal(session_stats("raw2").inflight, 1);
  raw_id_pkt(&r, 0x70, rp.id);  // PUBCOMP
  poll_for(0.1);
  assert_int_equal(session_stats("raw2").inflight, 0);
  raw_close(&r);
}

static void test_broker_inflight_window_then_queue_then_drained_by_acks(
    void **state) {
  struct raw r;
  struct rawpub rp[MG_MQTT_BROKER_MAX_INFLIGHT];
  struct mg_mqtt_session_stats st;
  struct cl pub;
  char payload[16];
  int i;
  (void) state;
  raw_mqtt(&r, "win", MG_MQTT_CLEAN_SESSION, 0, NULL, NULL);
  raw_subscribe(&r, "w", 1);
  cl_connect(&pub, "pub", MG_MQTT_CLEAN_SESSION);
  for (i = 0; i < MG_MQTT_BROKER_MAX_INFLIGHT + 5; i++) {
    snprintf(payload, sizeof(payload), "%d", i);
    cl_publish(&pub, "w", 1, 0, payload);
  }
  assert_true(poll_ge(&pub.pubacks, MG_MQTT_BROKER_MAX_INFLIGHT + 5, 5));
  for (i = 0; i < MG_MQTT_BROKER_MAX_INFLIGHT; i++) {
    rp[i] = raw_publish_in(&r);
    assert_int_equal(atoi(rp[i].payload), i);
  }
  assert_int_equal(raw_wait(&r, 0.2), 0);  // The window is full
  st = session_stats("win");
  assert_int_equal(st.inflight, MG_MQTT_BROKER_MAX_INFLIGHT);
  assert_int_equal(st.queued, 5);
  raw_id_pkt(&r, 0x40, rp[3].id);  // One PUBACK: one more comes
  assert_int_equal(atoi(raw_publish_in(&r).payload),
                   MG_MQTT_BROKER_MAX_INFLIGHT);
  assert_int_equal(raw_wait(&r, 0.2), 0);
  assert_int_equal(session_stats("win").queued, 4);
  raw_close(&r);
}

// ---- Retained
// ----------------------------------------------------------------

static void test_broker_retained_sent_after_suback_with_retain_and_deleted(
    void **state) {
  struct cl pub, a, b, c;
  struct mg_mqtt_broker_stats bst;
  (void) state;
  cl_connect(&pub, "pub", MG_MQTT_CLEAN_SESSION);
  cl_connect(&a, "a", MG_MQTT_CLEAN_SESSION);
  cl_subscribe(&a, "r/#", 1);
  cl_publish(&pub, "r/x", 1, 1, "kept");
  cl_wait(&a, 1);
  assert_int_equal(a.pubs[0].retain, 0);  // Live delivery: RETAIN cleared
  cl_connect(&b, "b", MG_MQTT_CLEAN_SESSION);
  cl_subscribe(&b, "r/+", 2);
  cl_wait(&b, 1);
  assert_string_equal(b.pubs[0].topic, "r/x");
  assert_string_equal(b.pubs[0].payload, "kept");
  assert_int_equal(b.pubs[0].retain, 1);
  assert_int_equal(b.pubs[0].qos, 1);  // min(1 as stored, 2 granted)
  assert_true(b.pubs[0].seq > b.suback_seq);
  mg_mqtt_broker_stats(&s_fx.brk, &bst);
  assert_int_equal(bst.retained, 1);
  cl_publish(&pub, "r/x", 0, 1, "");  // Deletes; delivered as usual
  cl_wait(&a, 2);
  assert_string_equal(a.pubs[1].payload, "");
  mg_mqtt_broker_stats(&s_fx.brk, &bst);
  assert_int_equal(bst.retained, 0);
  cl_connect(&c, "c", MG_MQTT_CLEAN_SESSION);
  cl_subscribe(&c, "r/#", 0);
  cl_publish(&pub, "r/marker", 0, 0, "m");
  cl_wait(&c, 1);
  assert_string_equal(c.pubs[0].topic, "r/marker");  // Nothing retained
}

// ---- Wills
// -------------------------------------------------------------------

static void test_broker_will_published_on_abrupt_close(void **state) {
  struct cl s;
  struct raw r;
  (void) state;
  cl_connect(&s, "s", MG_MQTT_CLEAN_SESSION);
  cl_subscribe(&s, "will/#", 1);
  raw_mqtt(&r, "dies", MG_MQTT_CLEAN_SESSION | MG_MQTT_WILL_RETAIN | (1 << 3),
           0, "will/dies", "gone");
  raw_close(&r);  // No DISCONNECT
  cl_wait(&s, 1);
  assert_string_equal(s.pubs[0].topic, "will/dies");
  assert_string_equal(s.pubs[0].payload, "gone");
  assert_int_equal(s.pubs[0].qos, 1);
  assert_null(find_session("dies"));
  assert_non_null(
      node_path((struct brk_state *) s_fx.brk.priv, mg_mk_str("will/dies"), 0)
          ->retained);  // The will's retain flag
}

static void test_broker_will_published_on_keep_alive_expiry(void **state) {
  struct cl s;
  struct raw r;
  (void) state;
  cl_connect(&s, "s", MG_MQTT_CLEAN_SESSION);
  cl_subscribe(&s, "will/#", 0);
  raw_mqtt(&r, "silent", MG_MQTT_CLEAN_SESSION, 1, "will/silent", "timeout");
  assert_true(raw_wait_closed(&r, 5));  // 1.5 s without a packet
  cl_wait(&s, 1);
  assert_string_equal(s.pubs[0].topic, "will/silent");
  assert_string_equal(s.pubs[0].payload, "timeout");
  raw_close(&r);
}

static void test_broker_no_will_after_disconnect(void **state) {
  struct cl s, pub;
  struct raw r;
  (void) state;
  cl_connect(&s, "s", MG_MQTT_CLEAN_SESSION);
  cl_subscribe(&s, "will/#", 0);
  raw_mqtt(&r, "polite", MG_MQTT_CLEAN_SESSION, 0, "will/polite", "no");
  raw_bytes(&r, "\xe0\x00", 2);  // DISCONNECT
  assert_true(raw_wait_closed(&r, 5));
  raw_close(&r);
  cl_connect(&pub, "pub", MG_MQTT_CLEAN_SESSION);
  cl_publish(&pub, "will/marker", 0, 0, "m");
  cl_wait(&s, 1);
  poll_for(0.1);
  assert_int_equal(s.npubs, 1);
  assert_string_equal(s.pubs[0].topic, "will/marker");
}

static void test_broker_same_client_id_takes_over_and_old_will_is_published(
    void **state) {
  struct cl s, old, neu;
  struct mg_send_mqtt_handshake_opts o;
  (void) state;
  cl_connect(&s, "s", MG_MQTT_CLEAN_SESSION);
  cl_subscribe(&s, "will/#", 0);
  memset(&o, 0, sizeof(o));
  o.will_topic = "will/twin";
  o.will_message = "replaced";
  cl_start(&old, "twin", MG_MQTT_CLEAN_SESSION, &o);
  assert_true(poll_ge(&old.connack, 0, 5));
  cl_connect(&neu, "twin", MG_MQTT_CLEAN_SESSION);
  assert_true(poll_ge(&old.closed, 1, 5));  // The old connection is closed
  cl_wait(&s, 1);
  assert_string_equal(s.pubs[0].topic, "will/twin");
  assert_string_equal(s.pubs[0].payload, "replaced");
  assert_int_equal(neu.closed, 0);
  cl_subscribe(&neu, "x", 0);  // The new one is served
  assert_non_null(find_session("twin"));
  assert_non_null(find_session("twin")->nc);
}

// ---- Clean session 0
// ---------------------------------------------------------

static void test_broker_clean_session_0_keeps_subscriptions_and_queues(
    void **state) {
  struct cl c, pub;
  struct mg_mqtt_session *s;
  char payload[16];
  int i;
  (void) state;
  cl_connect(&c, "keeper", 0);
  assert_int_equal(c.present, 0);
  cl_subscribe(&c, "p/#", 1);
  cl_disconnect(&c);
  s = find_session("keeper");
  assert_non_null(s);
  assert_null(s->nc);
  assert_int_equal(s->num_subscriptions, 1);
  assert_string_equal(s->subscriptions[0].topic, "p/#");
  cl_connect(&pub, "pub", MG_MQTT_CLEAN_SESSION);
  for (i = 0; i < 3; i++) {
    snprintf(payload, sizeof(payload), "%d", i);
    cl_publish(&pub, "p/q", 1, 0, payload);
  }
  cl_publish(&pub, "p/q", 0, 0, "qos0 is not kept");
  assert_true(poll_ge(&pub.pubacks, 3, 5));
  assert_int_equal(session_stats("keeper").queued, 3);
  cl_connect(&c, "keeper", 0);  // No SUBSCRIBE this time
  assert_int_equal(c.present, 1);
  cl_wait(&c, 3);
  for (i = 0; i < 3; i++) assert_int_equal(atoi(c.pubs[i].payload), i);
  cl_publish(&pub, "p/live", 1, 0, "live");
  cl_wait(&c, 4);
  assert_string_equal(c.pubs[3].payload, "live");
  cl_disconnect(&c);
  cl_connect(&c, "keeper", MG_MQTT_CLEAN_SESSION);  // Discards the session
  assert_int_equal(c.present, 0);
  assert_int_equal(find_session("keeper")->num_subscriptions, 0);
  cl_disconnect(&c);
  assert_null(find_session("keeper"));
}

static void test_broker_offline_queue_is_bounded_new_messages_dropped(
    void **state) {
  struct cl c, pub;
  struct mg_mqtt_session_stats st;
  char payload[16];
  int i, n = MG_MQTT_BROKER_MAX_QUEUED + 20;
  (void) state;
  cl_connect(&c, "offline", 0);
  cl_subscribe(&c, "seq", 1);
  cl_disconnect(&c);
  cl_connect(&pub, "pub", MG_MQTT_CLEAN_SESSION);
  for (i = 0; i < n; i++) {
    snprintf(payload, sizeof(payload), "%d", i);
    cl_publish(&pub, "seq", 1, 0, payload);
  }
  assert_true(poll_ge(&pub.pubacks, n, 10));
  st = session_stats("offline");
  assert_int_equal(st.queued, MG_MQTT_BROKER_MAX_QUEUED);
  assert_int_equal(st.dropped_queue, 20);
  cl_connect(&c, "offline", 0);
  cl_wait(&c, MG_MQTT_BROKER_MAX_QUEUED);
  poll_for(0.2);
  assert_int_equal(c.npubs, MG_MQTT_BROKER_MAX_QUEUED);  // The first ones
  assert_int_equal(c.out_of_order, 0);
  assert_int_equal(session_stats("offline").queued, 0);
}

static void test_broker_unacked_qos1_resent_with_dup_after_reconnect(
    void **state) {
  struct raw r;
  struct rawpub first, again;
  struct cl pub;
  (void) state;
  assert_int_equal(raw_mqtt(&r, "dup", 0, 0, NULL, NULL), 0);
  raw_subscribe(&r, "d", 1);
  cl_connect(&pub, "pub", MG_MQTT_CLEAN_SESSION);
  cl_publish(&pub, "d", 1, 0, "again");
  first = raw_publish_in(&r);
  assert_int_equal(first.flags, MG_MQTT_QOS(1));
  raw_close(&r);  // Without PUBACK
  poll_for(0.1);
  assert_int_equal(session_stats("dup").inflight, 1);
  assert_int_equal(raw_mqtt(&r, "dup", 0, 0, NULL, NULL), 1);
  again = raw_publish_in(&r);
  assert_int_equal(again.flags, MG_MQTT_QOS(1) | MG_MQTT_DUP);
  assert_int_equal(again.id, first.id);
  assert_string_equal(again.payload, "again");
  raw_id_pkt(&r, 0x40, again.id);
  poll_for(0.1);
  assert_int_equal(session_stats("dup").inflight, 0);
  raw_close(&r);
}

// ---- Load and limits
// ---------------------------------------------------------

// The largest send buffer of an online session's connection.
static size_t max_send_mbuf(void) {
  struct mg_mqtt_session *s;
  size_t max = 0;
  for (s = mg_mqtt_next(&s_fx.brk, NULL); s != NULL;
       s = mg_mqtt_next(&s_fx.brk, s)) {
    if (s->nc != NULL && s->nc->send_mbuf.len > max) max = s->nc->send_mbuf.len;
  }
  return max;
}

static void test_broker_slow_subscriber_is_bounded_and_publisher_served(
    void **state) {
  struct raw slow0, slow1;
  struct cl pub, fast;
  struct mg_mqtt_session_stats st0, st1;
  static char big[4001];
  size_t max = 0, m;
  int i, n = 5000, qos1 = 0;  // 5000 x 4 KB: 20 MB
  double deadline = mg_time() + 60;
  (void) state;
  memset(big, 'z', sizeof(big) - 1);
  raw_open(&slow0, 4096);
  raw_connect_pkt(&slow0, "slow0", MG_MQTT_CLEAN_SESSION, 0, NULL, NULL);
  assert_int_equal(raw_wait(&slow0, 5), 4);
  raw_pop(&slow0);
  raw_subscribe(&slow0, "big", 0);
  raw_open(&slow1, 4096);
  raw_connect_pkt(&slow1, "slow1", MG_MQTT_CLEAN_SESSION, 0, NULL, NULL);
  assert_int_equal(raw_wait(&slow1, 5), 4);
  raw_pop(&slow1);
  raw_subscribe(&slow1, "big", 1);
  cl_connect(&fast, "fast", MG_MQTT_CLEAN_SESSION);
  cl_subscribe(&fast, "marker", 0);
  cl_connect(&pub, "pub", MG_MQTT_CLEAN_SESSION);
  // Neither slow subscriber reads from now on.
  for (i = 0; i < n && mg_time() < deadline;) {
    if (pub.nc->send_mbuf.len < 64 * 1024) {
      cl_publish(&pub, "big", i & 1, 0, big);
      qos1 += i & 1;
      i++;
    } else {
      mg_mgr_poll(&s_fx.mgr, 1);
    }
    if ((m = max_send_mbuf()) > max) max = m;
  }
  assert_int_equal(i, n);
  assert_true(poll_ge(&pub.pubacks, qos1, 20));  // Served all along
  cl_publish(&pub, "marker", 0, 0, "done");
  cl_wait(&fast, 1);
  assert_string_equal(fast.pubs[0].payload, "done");
  // Each slow connection holds at most the limit plus one packet.
  assert_true(max <= MG_MQTT_BROKER_MAX_SEND_QUEUE + sizeof(big) + 16);
  st0 = session_stats("slow0");
  st1 = session_stats("slow1");
  assert_true(st0.dropped_qos0 > 0);
  assert_int_equal(st0.queued, 0);
  assert_true(st1.dropped_qos0 > 0);  // Its QoS 0 share
  assert_true(st1.queued <= MG_MQTT_BROKER_MAX_QUEUED);
  assert_true(st1.queued_bytes <= MG_MQTT_BROKER_MAX_QUEUED_BYTES);
  assert_true(st1.dropped_queue > 0);
  assert_true(st1.inflight <= MG_MQTT_BROKER_MAX_INFLIGHT);
  raw_close(&slow0);
  raw_close(&slow1);
  poll_for(0.1);
  assert_null(find_session("slow0"));
  assert_null(find_session("slow1"));
}

static void test_broker_ten_filters_get_ten_suback_codes_and_limit_0x80(
    void **state) {
  struct raw r;
  struct pk p;
  unsigned char want[32];
  char f[16];
  int i;
  (void) state;
  raw_mqtt(&r, "many", MG_MQTT_CLEAN_SESSION, 0, NULL, NULL);
  p.n = 0;
  pk_u16(&p, 7);
  for (i = 0; i < 10; i++) {
    snprintf(f, sizeof(f), "f/%d/+", i);
    pk_str(&p, f);
    pk_u8(&p, i % 3);
  }
  raw_pkt(&r, 0x82, &p);
  want[0] = 0x90, want[1] = 12, want[2] = 0, want[3] = 7;
  for (i = 0; i < 10; i++) want[4 + i] = (unsigned char) (i % 3);
  raw_expect(&r, want, 14);
  assert_int_equal(find_session("many")->num_subscriptions, 10);
  // Four more: two fit (MG_MQTT_BROKER_MAX_SUBSCRIPTIONS 12), two do not.
  p.n = 0;
  pk_u16(&p, 8);
  for (i = 10; i < 14; i++) {
    snprintf(f, sizeof(f), "f/%d", i);
    pk_str(&p, f);
    pk_u8(&p, 1);
  }
  raw_pkt(&r, 0x82, &p);
  memcpy(want, "\x90\x06\x00\x08\x01\x01\x80\x80", 8);
  raw_expect(&r, want, 8);
  // UNSUBSCRIBE of something never subscribed still gets UNSUBACK.
  p.n = 0;
  pk_u16(&p, 9);
  pk_str(&p, "never/subscribed");
  pk_str(&p, "f/0/+");
  raw_pkt(&r, 0xa2, &p);
  raw_expect(&r, "\xb0\x02\x00\x09", 4);
  assert_int_equal(find_session("many")->num_subscriptions, 11);
  raw_close(&r);
}

static void test_broker_thousand_messages_arrive_in_order(void **state) {
  struct cl sub, pub;
  char payload[16];
  int i, q;
  (void) state;
  cl_connect(&sub, "sub", MG_MQTT_CLEAN_SESSION);
  cl_subscribe(&sub, "seq", 2);
  cl_connect(&pub, "pub", MG_MQTT_CLEAN_SESSION);
  for (q = 0; q < 3; q++) {
    int base = sub.npubs;
    double deadline = mg_time() + 30;
    sub.next_seq = 0;
    for (i = 0; i < 1000; i++) {
      snprintf(payload, sizeof(payload), "%d", i);
      cl_publish(&pub, "seq", q, 0, payload);
      // At most 16 ahead of the subscriber: the publisher's QoS 2 ids
      // waiting for PUBREL and the subscriber's queue stay small.
      while (sub.npubs < base + i - 16 && mg_time() < deadline) {
        mg_mgr_poll(&s_fx.mgr, 1);
      }
    }
    cl_wait(&sub, 1000 * (q + 1));
    assert_int_equal(sub.out_of_order, 0);
    assert_int_equal(sub.next_seq, 1000);
  }
}

static void test_broker_dollar_topics_not_matched_by_leading_wildcards(
    void **state) {
  struct cl all, plus, sys, pub;
  (void) state;
  cl_connect(&all, "all", MG_MQTT_CLEAN_SESSION);
  cl_subscribe(&all, "#", 0);
  cl_connect(&plus, "plus", MG_MQTT_CLEAN_SESSION);
  cl_subscribe(&plus, "+/info", 0);
  cl_connect(&sys, "sys", MG_MQTT_CLEAN_SESSION);
  cl_subscribe(&sys, "$SYS/#", 0);
  cl_connect(&pub, "pub", MG_MQTT_CLEAN_SESSION);
  cl_publish(&pub, "$SYS/info", 0, 0, "dollar");
  cl_publish(&pub, "x/info", 0, 0, "plain");
  cl_wait(&sys, 1);
  cl_wait(&all, 1);
  cl_wait(&plus, 1);
  poll_for(0.1);
  assert_string_equal(sys.pubs[0].topic, "$SYS/info");
  assert_int_equal(sys.npubs, 1);
  assert_int_equal(all.npubs, 1);
  assert_string_equal(all.pubs[0].topic, "x/info");
  assert_int_equal(plus.npubs, 1);
  assert_string_equal(plus.pubs[0].topic, "x/info");
}

// ---- Malformed input
// ---------------------------------------------------------

struct bad {
  const char *name;
  int connect_first;  // Send a good CONNECT (and read CONNACK) first
  const char *bytes;
  size_t len;
};

#define BAD(name, c, b) \
  { name, c, b, sizeof(b) - 1 }

static const struct bad s_bad[] = {
    BAD("5-byte remaining length", 0, "\x10\xff\xff\xff\xff\x01"),
    BAD("256 MB remaining length first", 0, "\x10\xff\xff\xff\x7f"),
    BAD("client id length beyond the packet", 0,
        "\x10\x0e\x00\x04MQTT\x04\x02\x00\x3c\x00\x0a"
        "ab"),
    BAD("SUBSCRIBE before CONNECT", 0,
        "\x82\x06\x00\x01\x00\x01"
        "a\x00"),
    BAD("second CONNECT", 1, "\x10\x0d\x00\x04MQTT\x04\x02\x00\x3c\x00\x01x"),
    BAD("PUBLISH QoS 3", 1,
        "\x36\x05\x00\x01"
        "a\x00\x01"),
    BAD("wildcard in a PUBLISH topic", 1,
        "\x30\x05\x00\x03"
        "a/#"),
    BAD("PUBLISH QoS 1 with id 0", 1,
        "\x32\x05\x00\x01"
        "a\x00\x00"),
    BAD("SUBSCRIBE with flags 0000", 1,
        "\x80\x06\x00\x01\x00\x01"
        "a\x00"),
    BAD("topic length beyond the packet", 1,
        "\x30\x03\x00\x09"
        "a"),
};

static void test_broker_malformed_input_closes_only_that_client(void **state) {
  struct cl good, pub;
  struct mg_mqtt_broker_stats before, after;
  size_t i;
  char payload[16];
  (void) state;
  cl_connect(&good, "good", MG_MQTT_CLEAN_SESSION);
  cl_subscribe(&good, "alive", 0);
  cl_connect(&pub, "pub", MG_MQTT_CLEAN_SESSION);
  mg_mqtt_broker_stats(&s_fx.brk, &before);
  for (i = 0; i < sizeof(s_bad) / sizeof(s_bad[0]); i++) {
    struct raw r;
    print_message("  %s\n", s_bad[i].name);
    if (s_bad[i].connect_first) {
      raw_mqtt(&r, "bad", MG_MQTT_CLEAN_SESSION, 0, NULL, NULL);
    } else {
      raw_open(&r, 0);
    }
    raw_bytes(&r, s_bad[i].bytes, s_bad[i].len);
    assert_true(raw_wait_closed(&r, 5));
    assert_int_equal(r.len, 0);  // Nothing answered
    raw_close(&r);
    snprintf(payload, sizeof(payload), "%d", (int) i);
    cl_publish(&pub, "alive", 0, 0, payload);
    cl_wait(&good, (int) i + 1);
    assert_int_equal(atoi(good.pubs[i].payload), (int) i);
  }
  poll_for(0.1);
  mg_mqtt_broker_stats(&s_fx.brk, &after);
  assert_int_equal(after.sessions, before.sessions);  // Nothing left over
  assert_int_equal(after.nodes, before.nodes);
  assert_int_equal(good.closed, 0);
}

static void test_broker_deep_topic_closes_the_publisher(void **state) {
  struct raw r;
  struct pk p;
  char topic[2 * MG_MQTT_BROKER_MAX_TOPIC_LEVELS + 8];
  int i;
  (void) state;
  for (i = 0; i <= MG_MQTT_BROKER_MAX_TOPIC_LEVELS; i++) {
    topic[2 * i] = 'a';
    topic[2 * i + 1] = '/';
  }
  topic[2 * i - 1] = '\0';  // MAX + 1 levels
  raw_mqtt(&r, "deep", MG_MQTT_CLEAN_SESSION, 0, NULL, NULL);
  p.n = 0;
  pk_str(&p, topic);
  pk_bytes(&p, "x", 1);
  raw_pkt(&r, 0x30, &p);
  assert_true(raw_wait_closed(&r, 5));
  raw_close(&r);
  assert_int_equal(((struct brk_state *) s_fx.brk.priv)->num_nodes, 0);
}

// ---- MQTT over WebSocket
// -----------------------------------------------------

static const unsigned char s_mask[4] = {0x11, 0x22, 0x33, 0x44};

// Sends data as one masked binary WebSocket frame (< 126 bytes).
static void ws_frame(struct raw *r, const void *data, size_t len) {
  unsigned char f[256];
  size_t i;
  assert_true(len < 126);
  f[0] = 0x82;
  f[1] = (unsigned char) (0x80 | len);
  memcpy(f + 2, s_mask, 4);
  for (i = 0; i < len; i++) {
    f[6 + i] = ((const unsigned char *) data)[i] ^ s_mask[i & 3];
  }
  raw_bytes(r, f, 6 + len);
}

// Waits for one server frame; appends its payload to out. Returns its
// opcode, or -1.
static int ws_read(struct raw *r, struct mbuf *out, double seconds) {
  double deadline = mg_time() + seconds;
  size_t hl, n;
  for (;;) {
    if (r->len >= 4 || (r->len >= 2 && (r->buf[1] & 0x7f) < 126)) {
      n = r->buf[1] & 0x7f, hl = 2;
      if (n == 126) n = (size_t) (r->buf[2] << 8 | r->buf[3]), hl = 4;
      if (r->len >= hl + n) {
        int op = r->buf[0] & 0x0f;
        mbuf_append(out, r->buf + hl, n);
        memmove(r->buf, r->buf + hl + n, r->len - hl - n);
        r->len -= hl + n;
        return op;
      }
    }
    if (r->closed || mg_time() > deadline) return -1;
    raw_read_some(r);
  }
}

// The HTTP listener's own handler: every other URI gets 404.
static void http_handler(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev == MG_EV_HTTP_REQUEST) mg_http_send_error(nc, 404, "Not here");
}

#define WS_UPGRADE                                          \
  "GET /mqtt HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n" \
  "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"    \
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"         \
  "Sec-WebSocket-Protocol: mqtt\r\n\r\n"

// An HTTP listener with the broker on /mqtt, and a raw WebSocket client of
// it past the handshake (which must echo the subprotocol mqtt).
static void ws_open(struct raw *r) {
  struct mg_connection *hl;
  size_t n = 0;
  char *head;
  hl = mg_bind(&s_fx.mgr, "127.0.0.1:0", http_handler);
  assert_non_null(hl);
  hl->priv_2 = &s_fx.brk;
  mg_set_protocol_http_websocket(hl);
  mg_register_http_endpoint(hl, "/mqtt", mg_mqtt_broker);
  raw_open_port(r, conn_port(hl), 0);
  raw_bytes(r, WS_UPGRADE, strlen(WS_UPGRADE));
  while ((head = strstr((char *) r->buf, "\r\n\r\n")) == NULL && !r->closed &&
         n++ < 2000) {
    raw_read_some(r);
    r->buf[r->len] = '\0';
  }
  assert_non_null(head);
  assert_non_null(strstr((char *) r->buf, "HTTP/1.1 101"));
  assert_non_null(
      strstr((char *) r->buf, "\r\nSec-WebSocket-Protocol: mqtt\r\n"));
  n = (size_t) (head + 4 - (char *) r->buf);
  memmove(r->buf, r->buf + n, r->len - n);
  r->len -= n;
}

// A CONNECT packet (clean session) into out; returns its length.
static size_t connect_bytes(unsigned char *out, const char *id,
                            int keep_alive) {
  struct pk p;
  size_t n;
  p.n = 0;
  pk_str(&p, "MQTT");
  pk_u8(&p, 4);
  pk_u8(&p, MG_MQTT_CLEAN_SESSION);
  pk_u16(&p, keep_alive);
  pk_str(&p, id);
  n = mg_mqtt_encode_header(out, 0x10, p.n);
  memcpy(out + n, p.b, p.n);
  return n + p.n;
}

static void test_broker_over_websocket_packets_split_across_frames(
    void **state) {
  struct raw r;
  struct mbuf in;
  struct cl pub;
  unsigned char connect[64];
  size_t n;
  (void) state;
  ws_open(&r);
  // CONNECT in two frames, split inside the protocol name.
  n = connect_bytes(connect, "wsclient", 30);
  ws_frame(&r, connect, 5);
  mg_mgr_poll(&s_fx.mgr, 10);
  ws_frame(&r, connect + 5, n - 5);
  mbuf_init(&in, 0);
  assert_int_equal(ws_read(&r, &in, 5), WEBSOCKET_OP_BINARY);
  assert_int_equal(in.len, 4);
  assert_memory_equal(in.buf, "\x20\x02\x00\x00", 4);
  // SUBSCRIBE and a PINGREQ in one frame.
  ws_frame(&r, "\x82\x06\x00\x05\x00\x01w\x01\xc0\x00", 10);
  in.len = 0;
  assert_int_equal(ws_read(&r, &in, 5), WEBSOCKET_OP_BINARY);
  assert_memory_equal(in.buf, "\x90\x03\x00\x05\x01", 5);
  in.len = 0;
  assert_int_equal(ws_read(&r, &in, 5), WEBSOCKET_OP_BINARY);
  assert_memory_equal(in.buf, "\xd0\x00", 2);
  // A TCP client's message reaches the WebSocket client.
  cl_connect(&pub, "tcp", MG_MQTT_CLEAN_SESSION);
  cl_publish(&pub, "w", 1, 0, "hi");
  in.len = 0;
  assert_int_equal(ws_read(&r, &in, 5), WEBSOCKET_OP_BINARY);
  assert_int_equal(in.len, 9);
  assert_memory_equal(in.buf, "\x32\x07\x00\x01w", 5);
  assert_memory_equal(in.buf + 7, "hi", 2);
  assert_non_null(find_session("wsclient"));
  raw_close(&r);
  poll_for(0.1);
  assert_null(find_session("wsclient"));
  mbuf_free(&in);
}

static void test_broker_over_websocket_keep_alive_expiry_closes(void **s) {
  struct raw r;
  struct mbuf in;
  unsigned char connect[64];
  (void) s;
  ws_open(&r);
  ws_frame(&r, connect, connect_bytes(connect, "wsidle", 1));
  mbuf_init(&in, 0);
  assert_int_equal(ws_read(&r, &in, 5), WEBSOCKET_OP_BINARY);
  assert_memory_equal(in.buf, "\x20\x02\x00\x00", 4);
  assert_non_null(find_session("wsidle"));
  // Silence: the broker closes after 1.5 s (MG_EV_POLL reaches it).
  assert_true(raw_wait_closed(&r, 5));
  poll_for(0.1);
  assert_null(find_session("wsidle"));
  raw_close(&r);
  mbuf_free(&in);
}

static void test_broker_client_id_over_limit_gets_connack_2(void **state) {
  struct raw r;
  char id[MG_MQTT_BROKER_MAX_CLIENT_ID_LEN + 2];
  (void) state;
  memset(id, 'i', sizeof(id) - 1);
  id[sizeof(id) - 1] = '\0';
  raw_open(&r, 0);
  raw_connect_pkt(&r, id, MG_MQTT_CLEAN_SESSION, 0, NULL, NULL);
  raw_expect(&r, "\x20\x02\x00\x02", 4);
  assert_true(raw_wait_closed(&r, 5));
  raw_close(&r);
  assert_null(mg_mqtt_next(&s_fx.brk, NULL));
}

static void test_broker_qos2_pubrel_resent_after_reconnect(void **state) {
  struct raw r;
  struct rawpub rp;
  struct cl pub;
  unsigned char pubrel[4] = {0x62, 2, 0, 0};
  (void) state;
  raw_mqtt(&r, "rel", 0, 0, NULL, NULL);
  raw_subscribe(&r, "r2", 2);
  cl_connect(&pub, "pub", MG_MQTT_CLEAN_SESSION);
  cl_publish(&pub, "r2", 2, 0, "twice?");
  rp = raw_publish_in(&r);
  raw_id_pkt(&r, 0x50, rp.id);  // PUBREC
  pubrel[2] = (unsigned char) (rp.id >> 8);
  pubrel[3] = (unsigned char) rp.id;
  raw_expect(&r, pubrel, 4);
  raw_close(&r);  // Without PUBCOMP
  poll_for(0.1);
  assert_int_equal(raw_mqtt(&r, "rel", 0, 0, NULL, NULL), 1);
  raw_expect(&r, pubrel, 4);  // PUBREL again, not the PUBLISH
  raw_id_pkt(&r, 0x70, rp.id);
  poll_for(0.1);
  assert_int_equal(session_stats("rel").inflight, 0);
  assert_int_equal(raw_wait(&r, 0.2), 0);
  raw_close(&r);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(test_broker_qos_0_1_2_delivered_at_min_of_published_and_granted),
      T(test_broker_qos2_to_a_raw_subscriber_pubrec_pubrel_pubcomp),
      T(test_broker_inflight_window_then_queue_then_drained_by_acks),
      T(test_broker_retained_sent_after_suback_with_retain_and_deleted),
      T(test_broker_will_published_on_abrupt_close),
      T(test_broker_will_published_on_keep_alive_expiry),
      T(test_broker_no_will_after_disconnect),
      T(test_broker_same_client_id_takes_over_and_old_will_is_published),
      T(test_broker_clean_session_0_keeps_subscriptions_and_queues),
      T(test_broker_offline_queue_is_bounded_new_messages_dropped),
      T(test_broker_unacked_qos1_resent_with_dup_after_reconnect),
      T(test_broker_slow_subscriber_is_bounded_and_publisher_served),
      T(test_broker_ten_filters_get_ten_suback_codes_and_limit_0x80),
      T(test_broker_thousand_messages_arrive_in_order),
      T(test_broker_dollar_topics_not_matched_by_leading_wildcards),
      T(test_broker_malformed_input_closes_only_that_client),
      T(test_broker_deep_topic_closes_the_publisher),
      T(test_broker_over_websocket_packets_split_across_frames),
      T(test_broker_over_websocket_keep_alive_expiry_closes),
      T(test_broker_client_id_over_limit_gets_connack_2),
      T(test_broker_qos2_pubrel_resent_after_reconnect),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
