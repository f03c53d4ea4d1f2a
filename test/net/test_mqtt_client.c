// The MQTT protocol handler over real sockets, every byte checked:
//  - our client against a scripted raw peer (a plain socket of this test
//    that reads what the client sends and writes bytes spelled out here);
//  - the server side (mg_set_protocol_mqtt on a listener) against a raw
//    client;
//  - MQTT over WebSocket: a raw WebSocket client and mg_connect_ws().
#include "net_util.h"

// From src/mqtt_internal.h (not in mongoose.h): what the broker uses.
int mg_mqtt_is_mqtt(struct mg_connection *nc);
void **mg_mqtt_broker_slot(struct mg_connection *nc);

#define MAX_EVENTS 128

// One MQTT event as a handler saw it.
struct rec {
  int ev;
  int qos;
  uint16_t id;
  uint8_t flags, code, session_present, keep_alive;
  char topic[64];
  char payload[64];
  size_t payload_len;
};

struct events {
  struct rec r[MAX_EVENTS];
  int n;
};

struct ctx {
  struct mg_mgr mgr;
  int lfd;                   // The raw peer's listening socket (client tests)
  int fd;                    // The raw peer's side of the connection
  int port;                  // Where the peer (or our listener) listens
  struct mg_connection *nc;  // Our client, or the server side connection
  struct events ev;          // Events of nc (the server side in WS tests)
  struct events cev;         // WS tests: the events of our WS client
  int closed;                // MG_EV_CLOSE of a non-listening connection
  // Client options
  const char *client_id;
  struct mg_send_mqtt_handshake_opts opts;
  struct mg_mqtt_client_session *session;
  int self_ack;  // The handler sends the acknowledgements itself (6.x)
  int connack;   // Server: the code the handler answers CONNECT with
};

#define BYTES(...) \
  { __VA_ARGS__ }
// Expects exactly these bytes next from the peer's socket.
#define EXPECT(c, ...)                                       \
  do {                                                       \
    static const unsigned char want_[] = BYTES(__VA_ARGS__); \
    expect_bytes((c), want_, sizeof(want_));                 \
  } while (0)
// Writes these bytes to the peer's socket.
#define SEND(c, ...)                                                 \
  do {                                                               \
    static const unsigned char out_[] = BYTES(__VA_ARGS__);          \
    raw_send(&(c)->mgr, (c)->fd, (const char *) out_, sizeof(out_)); \
  } while (0)

static void record(struct events *e, int ev, struct mg_mqtt_message *m) {
  struct rec *r;
  if (e->n >= MAX_EVENTS) return;
  r = &e->r[e->n++];
  memset(r, 0, sizeof(*r));
  r->ev = ev;
  r->qos = m->qos;
  r->id = m->message_id;
  r->flags = m->flags;
  r->code = m->connack_ret_code;
  r->session_present = m->session_present;
  r->keep_alive = (uint8_t) m->keep_alive_timer;
  snprintf(r->topic, sizeof(r->topic), "%.*s", (int) m->topic.len, m->topic.p);
  r->payload_len = m->payload.len;
  if (m->payload.len > 0 && m->payload.len <= sizeof(r->payload)) {
    memcpy(r->payload, m->payload.p, m->payload.len);
  }
}

// 6.x programs acknowledge by themselves.
static void self_ack(struct mg_connection *nc, struct mg_mqtt_message *m,
                     int ev) {
  if (ev == MG_EV_MQTT_PUBLISH && m->qos == 1)
    mg_mqtt_puback(nc, m->message_id);
  if (ev == MG_EV_MQTT_PUBLISH && m->qos == 2)
    mg_mqtt_pubrec(nc, m->message_id);
  if (ev == MG_EV_MQTT_PUBREL) mg_mqtt_pubcomp(nc, m->message_id);
  if (ev == MG_EV_MQTT_PUBREC) mg_mqtt_pubrel(nc, m->message_id);
  if (ev == MG_EV_MQTT_PINGREQ) mg_mqtt_pong(nc);
}

static void client_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct ctx *c = (struct ctx *) nc->mgr->user_data;
  struct mg_mqtt_message *m = (struct mg_mqtt_message *) ev_data;
  if (ev == MG_EV_CONNECT && *(int *) ev_data == 0) {
    mg_set_protocol_mqtt(nc);
    if (c->session != NULL) mg_mqtt_set_session(nc, c->session);
    mg_send_mqtt_handshake_opt(nc, c->client_id, c->opts);
  } else if (ev == MG_EV_CLOSE) {
    c->closed++;
    if (c->nc == nc) c->nc = NULL;
  } else if (ev >= MG_MQTT_EVENT_BASE) {
    record(&c->ev, ev, m);
    if (c->self_ack) self_ack(nc, m, ev);
  }
}

// ---- The raw peer
// ------------------------------------------------------------

static struct ctx *ctx_new(void) {
  struct ctx *c = (struct ctx *) calloc(1, sizeof(*c));
  assert_non_null(c);
  mg_mgr_init(&c->mgr, c);
  c->lfd = c->fd = -1;
  c->client_id = "cid";
  return c;
}

static void ctx_free(struct ctx *c) {
  mg_mgr_free(&c->mgr);
  if (c->fd >= 0) close(c->fd);
  if (c->lfd >= 0) close(c->lfd);
  free(c);
}

// The peer starts listening on a free port.
static void peer_listen(struct ctx *c) {
  struct sockaddr_in sin;
  socklen_t len = sizeof(sin);
  c->lfd = loopback_bind(SOCK_STREAM, 0);
  assert_true(c->lfd >= 0);
  assert_int_equal(listen(c->lfd, 4), 0);
  assert_int_equal(getsockname(c->lfd, (struct sockaddr *) &sin, &len), 0);
  c->port = ntohs(sin.sin_port);
  fcntl(c->lfd, F_SETFL, fcntl(c->lfd, F_GETFL, 0) | O_NONBLOCK);
}

// Our client connects to the peer, which accepts.
static void client_connect(struct ctx *c) {
  char addr[64];
  double deadline = mg_time() + 5;
  snprintf(addr, sizeof(addr), "127.0.0.1:%d", c->port);
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
  c->nc = mg_connect(&c->mgr, addr, client_handler);
  assert_non_null(c->nc);
  while (c->fd < 0 && mg_time() < deadline) {
    mg_mgr_poll(&c->mgr, 1);
    c->fd = accept(c->lfd, NULL, NULL);
  }
  assert_true(c->fd >= 0);
  fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL, 0) | O_NONBLOCK);
}

// Reads n bytes (fewer if the peer closes or 5 s pass).
static size_t peer_read(struct ctx *c, unsigned char *buf, size_t n,
                        int *closed, double seconds) {
  double deadline = mg_time() + seconds;
  size_t got = 0;
  *closed = 0;
  while (got < n && mg_time() < deadline) {
    ssize_t k;
    mg_mgr_poll(&c->mgr, 1);
    k = recv(c->fd, buf + got, n - got, 0);
    if (k == 0 || (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
      *closed = 1;
      break;
    }
    if (k > 0) got += (size_t) k;
  }
  return got;
}

static void expect_bytes(struct ctx *c, const unsigned char *want, size_t n) {
  unsigned char got[512];
  int closed;
  size_t i;
  assert_true(n <= sizeof(got));
  i = peer_read(c, got, n, &closed, 5);
  if (i != n || memcmp(got, want, n) != 0) {
    fprintf(stderr, "want:");
    for (i = 0; i < n; i++) fprintf(stderr, " %02x", want[i]);
    fprintf(stderr, "\ngot: ");
    for (i = 0; i < n; i++) fprintf(stderr, " %02x", got[i]);
    fprintf(stderr, "\n");
  }
  assert_int_equal(i, n);
  assert_memory_equal(got, want, n);
}

// Expects the connection to close with no byte before it, within seconds.
static void expect_closed(struct ctx *c, double seconds) {
  unsigned char junk[16];
  int closed;
  assert_int_equal(peer_read(c, junk, sizeof(junk), &closed, seconds), 0);
  assert_true(closed);
}

// Expects nothing (no byte, no close) for seconds.
static void expect_silence(struct ctx *c, double seconds) {
  unsigned char junk[16];
  int closed;
  assert_int_equal(peer_read(c, junk, sizeof(junk), &closed, seconds), 0);
  assert_false(closed);
}

static int events_at_least(struct events *e, int n, struct ctx *c) {
  double deadline = mg_time() + 5;
  while (e->n < n && mg_time() < deadline) mg_mgr_poll(&c->mgr, 1);
  return e->n >= n;
}

static int closed_at_least(struct ctx *c, int n, double seconds) {
  double deadline = mg_time() + seconds;
  while (c->closed < n && mg_time() < deadline) mg_mgr_poll(&c->mgr, 1);
  return c->closed >= n;
}

// A client connected with clean session 1, keep-alive 60, past CONNACK.
static struct ctx *connected_client(void) {
  struct ctx *c = ctx_new();
  c->opts.flags = MG_MQTT_CLEAN_SESSION;
  peer_listen(c);
  client_connect(c);
  EXPECT(c, 0x10, 0x0f, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60, 0, 3, 'c',
         'i', 'd');
  SEND(c, 0x20, 0x02, 0x00, 0x00);
  assert_true(events_at_least(&c->ev, 1, c));
  assert_int_equal(c->ev.r[0].ev, MG_EV_MQTT_CONNACK);
  return c;
}

// ---- Client: handshake -----------------------------------------------------

static void test_mqtt_client_handshake_bytes_with_will_user_password(
    void **state) {
  struct ctx *c = ctx_new();
  (void) state;
  c->opts.flags = MG_MQTT_CLEAN_SESSION | MG_MQTT_WILL_RETAIN;
  MG_MQTT_SET_WILL_QOS(c->opts.flags, 1);
  c->opts.keep_alive = 30;
  c->opts.will_topic = "wt";
  c->opts.will_message = "wm";
  c->opts.user_name = "u";
  c->opts.password = "pw";
  peer_listen(c);
  client_connect(c);
  // Flags: user, password, will retain, will QoS 1, will, clean session.
  EXPECT(c, 0x10, 30, 0, 4, 'M', 'Q', 'T', 'T', 4, 0xee, 0, 30, 0, 3, 'c', 'i',
         'd', 0, 2, 'w', 't', 0, 2, 'w', 'm', 0, 1, 'u', 0, 2, 'p', 'w');
  SEND(c, 0x20, 0x02, 0x01, 0x00);
  assert_true(events_at_least(&c->ev, 1, c));
  assert_int_equal(c->ev.r[0].ev, MG_EV_MQTT_CONNACK);
  assert_int_equal(c->ev.r[0].code, MG_EV_MQTT_CONNACK_ACCEPTED);
  assert_int_equal(c->ev.r[0].session_present, 1);
  assert_true(mg_mqtt_is_mqtt(c->nc));
  ctx_free(c);
}

// mg_send_mqtt_handshake() is 6.x's: flags 0 (clean session 0), 60 s.
static void test_mqtt_client_handshake_6x_defaults(void **state) {
  struct ctx *c = ctx_new();
  (void) state;
  peer_listen(c);
  client_connect(c);
  EXPECT(c, 0x10, 0x0f, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x00, 0, 60, 0, 3, 'c',
         'i', 'd');
  mg_send_mqtt_handshake(c->nc, "x");  // The same CONNECT a 6.x program sends
  EXPECT(c, 0x10, 0x0d, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x00, 0, 60, 0, 1, 'x');
  ctx_free(c);
}

static void test_mqtt_client_connack_refused_is_delivered_then_closes(
    void **state) {
  struct ctx *c = ctx_new();
  (void) state;
  peer_listen(c);
  client_connect(c);
  EXPECT(c, 0x10, 0x0f, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x00, 0, 60, 0, 3, 'c',
         'i', 'd');
  SEND(c, 0x20, 0x02, 0x00, 0x05);
  expect_closed(c, 5);
  assert_int_equal(c->ev.n, 1);
  assert_int_equal(c->ev.r[0].code, MG_EV_MQTT_CONNACK_NOT_AUTHORIZED);
  ctx_free(c);
}

// ---- Client: publish flows
// ---------------------------------------------------

static void test_mqtt_client_publish_qos0_1_2_bytes_and_flows(void **state) {
  struct ctx *c = connected_client();
  (void) state;
  mg_mqtt_publish(c->nc, "a/b", 0, MG_MQTT_QOS(0), "hi", 2);
  EXPECT(c, 0x30, 7, 0, 3, 'a', '/', 'b', 'h', 'i');
  mg_mqtt_publish(c->nc, "a/b", 5, MG_MQTT_QOS(1) | MG_MQTT_RETAIN, "hi", 2);
  EXPECT(c, 0x33, 9, 0, 3, 'a', '/', 'b', 0, 5, 'h', 'i');
  SEND(c, 0x40, 0x02, 0x00, 0x05);
  assert_true(events_at_least(&c->ev, 2, c));
  assert_int_equal(c->ev.r[1].ev, MG_EV_MQTT_PUBACK);
  assert_int_equal(c->ev.r[1].id, 5);
  // QoS 2: PUBREC gets PUBREL (flags 0010), then PUBCOMP ends it.
  mg_mqtt_publish(c->nc, "a/b", 6, MG_MQTT_QOS(2), "hi", 2);
  EXPECT(c, 0x34, 9, 0, 3, 'a', '/', 'b', 0, 6, 'h', 'i');
  SEND(c, 0x50, 0x02, 0x00, 0x06);
  EXPECT(c, 0x62, 0x02, 0x00, 0x06);
  SEND(c, 0x70, 0x02, 0x00, 0x06);
  assert_true(events_at_least(&c->ev, 4, c));
  assert_int_equal(c->ev.r[2].ev, MG_EV_MQTT_PUBREC);
  assert_int_equal(c->ev.r[3].ev, MG_EV_MQTT_PUBCOMP);
  assert_int_equal(c->ev.r[3].id, 6);
  // An empty payload.
  mg_mqtt_publish(c->nc, "e", 0, 0, NULL, 0);
  EXPECT(c, 0x30, 3, 0, 1, 'e');
  ctx_free(c);
}

static void test_mqtt_client_incoming_publish_qos0_1_2_acked(void **state) {
  struct ctx *c = connected_client();
  (void) state;
  SEND(c, 0x30, 7, 0, 3, 'a', '/', 'b', 'h', 'i');
  assert_true(events_at_least(&c->ev, 2, c));
  assert_int_equal(c->ev.r[1].ev, MG_EV_MQTT_PUBLISH);
  assert_string_equal(c->ev.r[1].topic, "a/b");
  assert_int_equal(c->ev.r[1].payload_len, 2);
  assert_memory_equal(c->ev.r[1].payload, "hi", 2);
  SEND(c, 0x32, 9, 0, 3, 'a', '/', 'b', 0, 7, 'h', 'i');
  EXPECT(c, 0x40, 0x02, 0x00, 0x07);
  assert_int_equal(c->ev.r[2].qos, 1);
  assert_int_equal(c->ev.r[2].id, 7);
  SEND(c, 0x35, 9, 0, 3, 'a', '/', 'b', 0, 8, 'h', 'i');
  EXPECT(c, 0x50, 0x02, 0x00, 0x08);
  assert_int_equal(c->ev.r[3].qos, 2);
  assert_int_equal(c->ev.r[3].flags, 0x05);  // QoS 2 and RETAIN as received
  SEND(c, 0x62, 0x02, 0x00, 0x08);
  EXPECT(c, 0x70, 0x02, 0x00, 0x08);
  assert_int_equal(c->ev.r[4].ev, MG_EV_MQTT_PUBREL);
  assert_int_equal(c->ev.n, 5);
  ctx_free(c);
}

// A 6.x handler that acknowledges by itself sends the only acknowledgement.
static void test_mqtt_client_handler_acks_are_not_doubled(void **state) {
  struct ctx *c = connected_client();
  (void) state;
  c->self_ack = 1;
  SEND(c, 0x32, 7, 0, 1, 't', 0, 10, 'h', 'i');
  SEND(c, 0x32, 7, 0, 1, 't', 0, 11, 'h', 'i');
  // One PUBACK per PUBLISH: a doubled one would come before 11's.
  EXPECT(c, 0x40, 0x02, 0x00, 10, 0x40, 0x02, 0x00, 11);
  SEND(c, 0x34, 7, 0, 1, 't', 0, 12, 'h', 'i');
  EXPECT(c, 0x50, 0x02, 0x00, 12);
  SEND(c, 0x62, 0x02, 0x00, 12);
  EXPECT(c, 0x70, 0x02, 0x00, 12);
  mg_mqtt_publish(c->nc, "t", 13, MG_MQTT_QOS(2), "x", 1);
  EXPECT(c, 0x34, 6, 0, 1, 't', 0, 13, 'x');
  SEND(c, 0x50, 0x02, 0x00, 13);
  EXPECT(c, 0x62, 0x02, 0x00, 13);
  // Nothing else follows: the next bytes are the next packet's.
  mg_mqtt_publish(c->nc, "t", 0, 0, "y", 1);
  EXPECT(c, 0x30, 4, 0, 1, 't', 'y');
  ctx_free(c);
}

static void test_mqtt_client_duplicate_qos2_publish_delivered_once(
    void **state) {
  struct ctx *c = connected_client();
  int publishes = 0, i;
  (void) state;
  SEND(c, 0x34, 7, 0, 1, 't', 0, 9, 'h', 'i');
  EXPECT(c, 0x50, 0x02, 0x00, 9);
  SEND(c, 0x3c, 7, 0, 1, 't', 0, 9, 'h', 'i');  // DUP: our PUBREC was lost
  EXPECT(c, 0x50, 0x02, 0x00, 9);
  SEND(c, 0x62, 0x02, 0x00, 9);
  EXPECT(c, 0x70, 0x02, 0x00, 9);
  // Released: id 9 may carry a new message now.
  SEND(c, 0x34, 7, 0, 1, 't', 0, 9, 'h', 'o');
  EXPECT(c, 0x50, 0x02, 0x00, 9);
  for (i = 0; i < c->ev.n; i++)
    publishes += c->ev.r[i].ev == MG_EV_MQTT_PUBLISH;
  assert_int_equal(publishes, 2);
  assert_memory_equal(c->ev.r[c->ev.n - 1].payload, "ho", 2);
  ctx_free(c);
}

static void test_mqtt_client_too_many_qos2_waiting_closes(void **state) {
  struct ctx *c = connected_client();
  unsigned char pkt[7] = {0x34, 5, 0, 1, 't', 0, 0};
  unsigned char ack[4];
  int i, closed;
  (void) state;
  for (i = 1; i <= MG_MQTT_MAX_QOS2_INFLIGHT; i++) {
    pkt[6] = (unsigned char) i;
    raw_send(&c->mgr, c->fd, (const char *) pkt, sizeof(pkt));
    assert_int_equal(peer_read(c, ack, 4, &closed, 5), 4);
    assert_int_equal(ack[3], i);
  }
  pkt[6] = (unsigned char) (MG_MQTT_MAX_QOS2_INFLIGHT + 1);
  raw_send(&c->mgr, c->fd, (const char *) pkt, sizeof(pkt));
  expect_closed(c, 5);
  assert_int_equal(c->ev.n, 1 + MG_MQTT_MAX_QOS2_INFLIGHT);
  ctx_free(c);
}

// ---- Client: subscriptions, disconnect
// -----------------------------------------

static void test_mqtt_client_subscribe_unsubscribe_bytes_and_acks(
    void **state) {
  struct ctx *c = connected_client();
  struct mg_mqtt_topic_expression t[2] = {{"a/+", 1}, {"b/#", 2}};
  char *u[2] = {(char *) "a/+", (char *) "b/#"};
  (void) state;
  mg_mqtt_subscribe(c->nc, t, 2, 10);
  EXPECT(c, 0x82, 14, 0, 10, 0, 3, 'a', '/', '+', 1, 0, 3, 'b', '/', '#', 2);
  SEND(c, 0x90, 0x04, 0x00, 10, 0x01, 0x80);
  assert_true(events_at_least(&c->ev, 2, c));
  assert_int_equal(c->ev.r[1].ev, MG_EV_MQTT_SUBACK);
  assert_int_equal(c->ev.r[1].id, 10);
  assert_int_equal(c->ev.r[1].payload_len, 2);
  assert_memory_equal(c->ev.r[1].payload, "\x01\x80", 2);
  mg_mqtt_unsubscribe(c->nc, u, 2, 11);
  EXPECT(c, 0xa2, 12, 0, 11, 0, 3, 'a', '/', '+', 0, 3, 'b', '/', '#');
  SEND(c, 0xb0, 0x02, 0x00, 11);
  assert_true(events_at_least(&c->ev, 3, c));
  assert_int_equal(c->ev.r[2].ev, MG_EV_MQTT_UNSUBACK);
  assert_int_equal(c->ev.r[2].id, 11);
  mg_mqtt_disconnect(c->nc);
  EXPECT(c, 0xe0, 0x00);
  expect_closed(c, 5);  // The client closes after its DISCONNECT
  ctx_free(c);
}

// What a peer would have to close on is not sent at all.
static void test_mqtt_client_invalid_requests_are_not_sent(void **state) {
  struct ctx *c = connected_client();
  struct mg_mqtt_topic_expression bad[1] = {{"a/#/b", 0}}, q3[1] = {{"a", 3}};
  char *u[1] = {(char *) "a+"};
  (void) state;
  mg_mqtt_publish(c->nc, "a/+", 0, 0, "x", 1);             // Wildcard
  mg_mqtt_publish(c->nc, "a", 1, MG_MQTT_QOS(3), "x", 1);  // QoS 3
  mg_mqtt_publish(c->nc, "a", 0, MG_MQTT_QOS(1), "x", 1);  // Id 0
  mg_mqtt_publish(c->nc, "", 0, 0, "x", 1);                // Empty topic
  mg_mqtt_subscribe(c->nc, bad, 1, 1);
  mg_mqtt_subscribe(c->nc, q3, 1, 1);
  mg_mqtt_subscribe(c->nc, bad, 0, 1);
  mg_mqtt_unsubscribe(c->nc, u, 1, 1);
  mg_mqtt_publish(c->nc, "ok", 0, 0, "x", 1);
  EXPECT(c, 0x30, 5, 0, 2, 'o', 'k', 'x');
  ctx_free(c);
}

// ---- Client: keep-alive
// ------------------------------------------------------

static struct ctx *keep_alive_client(void) {
  struct ctx *c = ctx_new();
  c->opts.flags = MG_MQTT_CLEAN_SESSION;
  c->opts.keep_alive = 1;
  peer_listen(c);
  client_connect(c);
  EXPECT(c, 0x10, 0x0f, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 1, 0, 3, 'c', 'i',
         'd');
  SEND(c, 0x20, 0x02, 0x00, 0x00);
  return c;
}

static void test_mqtt_client_pingreq_after_keep_alive_then_close(void **state) {
  struct ctx *c = keep_alive_client();
  double start = mg_time(), pinged;
  (void) state;
  EXPECT(c, 0xc0, 0x00);
  pinged = mg_time();
  assert_true(pinged - start >= 0.8);  // Not before the keep-alive is over
  expect_closed(c, 4);                 // No PINGRESP: closed after 1 s more
  assert_true(mg_time() - pinged >= 0.8);
  assert_true(closed_at_least(c, 1, 2));
  ctx_free(c);
}

static void test_mqtt_client_pingresp_keeps_the_connection(void **state) {
  struct ctx *c = keep_alive_client();
  (void) state;
  EXPECT(c, 0xc0, 0x00);
  SEND(c, 0xd0, 0x00);
  EXPECT(c, 0xc0, 0x00);
  SEND(c, 0xd0, 0x00);
  EXPECT(c, 0xc0, 0x00);
  assert_int_equal(c->closed, 0);
  assert_int_equal(c->ev.r[1].ev, MG_EV_MQTT_PINGRESP);
  ctx_free(c);
}

// ---- Client: session
// ---------------------------------------------------------

static void session_connect(struct ctx *c, int session_present) {
  client_connect(c);
  EXPECT(c, 0x10, 0x10, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x00, 0, 60, 0, 4, 's',
         'e', 's', 's');
  if (session_present) {
    SEND(c, 0x20, 0x02, 0x01, 0x00);
  } else {
    SEND(c, 0x20, 0x02, 0x00, 0x00);
  }
}

static void test_mqtt_client_session_resends_after_reconnect(void **state) {
  struct ctx *c = ctx_new();
  struct mg_mqtt_client_session s;
  (void) state;
  mg_mqtt_client_session_init(&s);
  c->session = &s;
  c->client_id = "sess";
  peer_listen(c);
  session_connect(c, 0);
  mg_mqtt_publish(c->nc, "t", 1, MG_MQTT_QOS(1), "m1", 2);
  mg_mqtt_publish(c->nc, "t", 2, MG_MQTT_QOS(2), "m2", 2);
  mg_mqtt_publish(c->nc, "t", 0, MG_MQTT_QOS(0), "m0", 2);  // Not kept
  mg_mqtt_publish(c->nc, "t", 3, MG_MQTT_QOS(1), "m3", 2);
  EXPECT(c, 0x32, 7, 0, 1, 't', 0, 1, 'm', '1', 0x34, 7, 0, 1, 't', 0, 2, 'm',
         '2', 0x30, 5, 0, 1, 't', 'm', '0', 0x32, 7, 0, 1, 't', 0, 3, 'm', '3');
  SEND(c, 0x50, 0x02, 0x00, 2);  // PUBREC: a PUBREL is kept in its place
  EXPECT(c, 0x62, 0x02, 0x00, 2);
  SEND(c, 0x40, 0x02, 0x00, 3);  // 3 is done
  assert_true(events_at_least(&c->ev, 3, c));
  close(c->fd);  // The network drops before 1 is acknowledged
  c->fd = -1;
  assert_true(closed_at_least(c, 1, 5));
  // Reconnect: CONNACK, then the kept packets in order, PUBLISH with DUP.
  session_connect(c, 1);
  EXPECT(c, 0x3a, 7, 0, 1, 't', 0, 1, 'm', '1', 0x62, 0x02, 0x00, 2);
  SEND(c, 0x40, 0x02, 0x00, 1);
  SEND(c, 0x70, 0x02, 0x00, 2);
  assert_true(events_at_least(&c->ev, 6, c));
  assert_int_equal(s.pending.len, 0);
  mg_mqtt_client_session_free(&s);
  ctx_free(c);
}

static void test_mqtt_client_session_keeps_incoming_qos2_ids(void **state) {
  struct ctx *c = ctx_new();
  struct mg_mqtt_client_session s;
  int i, publishes = 0;
  (void) state;
  mg_mqtt_client_session_init(&s);
  c->session = &s;
  c->client_id = "sess";
  peer_listen(c);
  session_connect(c, 0);
  SEND(c, 0x34, 7, 0, 1, 't', 0, 4, 'h', 'i');
  EXPECT(c, 0x50, 0x02, 0x00, 4);
  close(c->fd);  // Dropped before PUBREL
  c->fd = -1;
  assert_true(closed_at_least(c, 1, 5));
  assert_int_equal(s.num_qos2_in, 1);
  session_connect(c, 1);
  SEND(c, 0x3c, 7, 0, 1, 't', 0, 4, 'h', 'i');  // The server resends it
  EXPECT(c, 0x50, 0x02, 0x00, 4);
  SEND(c, 0x62, 0x02, 0x00, 4);
  EXPECT(c, 0x70, 0x02, 0x00, 4);
  for (i = 0; i < c->ev.n; i++)
    publishes += c->ev.r[i].ev == MG_EV_MQTT_PUBLISH;
  assert_int_equal(publishes, 1);
  assert_int_equal(s.num_qos2_in, 0);
  mg_mqtt_client_session_free(&s);
  ctx_free(c);
}

// A clean session starts empty; a publish that does not fit is sent but
// not kept.
static void test_mqtt_client_session_clean_and_limit(void **state) {
  struct ctx *c = ctx_new();
  struct mg_mqtt_client_session s;
  size_t big = MG_MQTT_MAX_SESSION_BYTES;
  char *payload = (char *) calloc(1, big);
  unsigned char *got = (unsigned char *) malloc(big + 16);
  int closed;
  (void) state;
  assert_non_null(payload);
  assert_non_null(got);
  mg_mqtt_client_session_init(&s);
  mbuf_append(&s.pending, "\x32\x05\x00\x01t\x00\x01", 7);  // Left over
  s.num_qos2_in = 1;
  s.qos2_in[0] = 7;
  c->session = &s;
  c->opts.flags = MG_MQTT_CLEAN_SESSION;
  peer_listen(c);
  client_connect(c);
  EXPECT(c, 0x10, 0x0f, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60, 0, 3, 'c',
         'i', 'd');
  assert_int_equal(s.pending.len, 0);
  assert_int_equal(s.num_qos2_in, 0);
  SEND(c, 0x20, 0x02, 0x00, 0x00);
  assert_true(events_at_least(&c->ev, 1, c));
  mg_mqtt_publish(c->nc, "t", 1, MG_MQTT_QOS(1), payload, big);
  assert_int_equal(s.pending.len, 0);  // Over the limit: not kept
  assert_int_equal(peer_read(c, got, big + 9, &closed, 5), big + 9);
  mg_mqtt_publish(c->nc, "t", 2, MG_MQTT_QOS(1), "x", 1);
  assert_int_equal(s.pending.len, 8);
  EXPECT(c, 0x32, 6, 0, 1, 't', 0, 2, 'x');
  free(payload);
  free(got);
  mg_mqtt_client_session_free(&s);
  ctx_free(c);
}

// ---- Client: malformed input
// -------------------------------------------------

static void client_gets_and_closes(const unsigned char *bytes, size_t n) {
  struct ctx *c = connected_client();
  raw_send(&c->mgr, c->fd, (const char *) bytes, n);
  expect_closed(c, 5);
  assert_int_equal(c->ev.n, 1);  // No MQTT event for it
  assert_true(closed_at_least(c, 1, 2));
  ctx_free(c);
}

static void test_mqtt_client_five_byte_remaining_length_closes(void **state) {
  static const unsigned char b[] = {0x30, 0xff, 0xff, 0xff, 0xff, 0x01};
  (void) state;
  client_gets_and_closes(b, sizeof(b));
}

static void test_mqtt_client_qos3_publish_closes(void **state) {
  static const unsigned char b[] = {0x36, 5, 0, 1, 't', 0, 1};
  (void) state;
  client_gets_and_closes(b, sizeof(b));
}

static void test_mqtt_client_qos3_closes_before_the_rest_arrives(void **state) {
  static const unsigned char b[] = {0x36, 100, 0, 1, 't'};
  (void) state;
  client_gets_and_closes(b, sizeof(b));
}

// The topic's length field says 5 bytes; the packet has 1.
static void test_mqtt_client_truncated_length_field_closes(void **state) {
  static const unsigned char b[] = {0x30, 3, 0, 5, 't'};
  (void) state;
  client_gets_and_closes(b, sizeof(b));
}

// 2 MB announced: closed on the header, before the body.
static void test_mqtt_client_oversized_packet_closes_on_header(void **state) {
  static const unsigned char b[] = {0x30, 0x80, 0x80, 0x80, 0x01};
  (void) state;
  client_gets_and_closes(b, sizeof(b));
}

static void test_mqtt_client_server_only_packets_close(void **state) {
  static const unsigned char pingreq[] = {0xc0, 0x00};
  static const unsigned char disconnect[] = {0xe0, 0x00};
  static const unsigned char connack[] = {0x20, 0x02, 0x00, 0x00};
  static const unsigned char subscribe[] = {0x82, 6, 0, 1, 0, 1, 't', 0};
  (void) state;
  client_gets_and_closes(pingreq, sizeof(pingreq));
  client_gets_and_closes(disconnect, sizeof(disconnect));
  client_gets_and_closes(connack, sizeof(connack));  // A second CONNACK
  client_gets_and_closes(subscribe, sizeof(subscribe));
}

static void test_mqtt_client_publish_before_connack_closes(void **state) {
  struct ctx *c = ctx_new();
  (void) state;
  peer_listen(c);
  client_connect(c);
  EXPECT(c, 0x10, 0x0f, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x00, 0, 60, 0, 3, 'c',
         'i', 'd');
  SEND(c, 0x30, 3, 0, 1, 't');
  expect_closed(c, 5);
  assert_int_equal(c->ev.n, 0);
  ctx_free(c);
}

// ---- Server side
// -------------------------------------------------------------

static void server_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct ctx *c = (struct ctx *) nc->mgr->user_data;
  struct mg_mqtt_message *m = (struct mg_mqtt_message *) ev_data;
  if (ev == MG_EV_ACCEPT) {
    c->nc = nc;
  } else if (ev == MG_EV_CLOSE && !(nc->flags & MG_F_LISTENING)) {
    c->closed++;
  } else if (ev >= MG_MQTT_EVENT_BASE) {
    record(&c->ev, ev, m);
    if (ev == MG_EV_MQTT_CONNECT) mg_mqtt_connack(nc, (uint8_t) c->connack);
    if (c->self_ack) self_ack(nc, m, ev);
  }
}

static struct ctx *server_new(void) {
  struct ctx *c = ctx_new();
  struct mg_connection *lc = mg_bind(&c->mgr, "127.0.0.1:0", server_handler);
  assert_non_null(lc);
  mg_set_protocol_mqtt(lc);
  c->port = conn_port(lc);
  c->fd = raw_connect(c->port);
  return c;
}

#define CONNECT_CID_KA(ka) \
  0x10, 0x0f, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, (ka), 0, 3, 'c', 'i', 'd'

static struct ctx *server_connected(int keep_alive) {
  struct ctx *c = server_new();
  unsigned char pkt[] = {CONNECT_CID_KA(0)};
  pkt[11] = (unsigned char) keep_alive;
  raw_send(&c->mgr, c->fd, (const char *) pkt, sizeof(pkt));
  EXPECT(c, 0x20, 0x02, 0x00, 0x00);
  assert_int_equal(c->ev.n, 1);
  assert_int_equal(c->ev.r[0].ev, MG_EV_MQTT_CONNECT);
  assert_int_equal(c->ev.r[0].keep_alive, keep_alive);
  return c;
}

static void server_gets_and_closes(const unsigned char *bytes, size_t n,
                                   int connect_first) {
  struct ctx *c = connect_first ? server_connected(60) : server_new();
  int events = c->ev.n;
  raw_send(&c->mgr, c->fd, (const char *) bytes, n);
  expect_closed(c, 5);
  assert_int_equal(c->ev.n, events);
  assert_true(closed_at_least(c, 1, 2));
  ctx_free(c);
}

static void test_mqtt_server_subscribe_before_connect_closes(void **state) {
  static const unsigned char b[] = {0x82, 6, 0, 1, 0, 1, 't', 0};
  (void) state;
  server_gets_and_closes(b, sizeof(b), 0);
}

static void test_mqtt_server_second_connect_closes(void **state) {
  static const unsigned char b[] = {CONNECT_CID_KA(60)};
  (void) state;
  server_gets_and_closes(b, sizeof(b), 1);
}

static void test_mqtt_server_client_only_packets_close(void **state) {
  static const unsigned char connack[] = {0x20, 0x02, 0x00, 0x00};
  static const unsigned char suback[] = {0x90, 0x03, 0x00, 0x01, 0x00};
  static const unsigned char unsuback[] = {0xb0, 0x02, 0x00, 0x01};
  static const unsigned char pingresp[] = {0xd0, 0x00};
  (void) state;
  server_gets_and_closes(connack, sizeof(connack), 1);
  server_gets_and_closes(suback, sizeof(suback), 1);
  server_gets_and_closes(unsuback, sizeof(unsuback), 1);
  server_gets_and_closes(pingresp, sizeof(pingresp), 1);
}

// 256 MB announced by the first packet: closed at once.
static void test_mqtt_server_256mb_first_packet_closes(void **state) {
  static const unsigned char b[] = {0x10, 0xff, 0xff, 0xff, 0x7f};
  (void) state;
  server_gets_and_closes(b, sizeof(b), 0);
}

static void test_mqtt_server_malformed_connect_closes(void **state) {
  // Reserved connect flag bit set.
  static const unsigned char b[] = {0x10, 0x0f, 0,  4, 'M', 'Q', 'T', 'T', 4,
                                    0x03, 0,    60, 0, 3,   'c', 'i', 'd'};
  (void) state;
  server_gets_and_closes(b, sizeof(b), 0);
}

static void test_mqtt_server_level_3_gets_connack_1_and_close(void **state) {
  struct ctx *c = server_new();
  (void) state;
  SEND(c, 0x10, 0x0f, 0, 4, 'M', 'Q', 'T', 'T', 3, 0x02, 0, 60, 0, 3, 'c', 'i',
       'd');
  EXPECT(c, 0x20, 0x02, 0x00, 0x01);
  expect_closed(c, 5);
  assert_int_equal(c->ev.n, 0);  // The handler never saw it
  ctx_free(c);
}

static void test_mqtt_server_mqisdp_gets_connack_1_and_close(void **state) {
  struct ctx *c = server_new();
  (void) state;
  SEND(c, 0x10, 0x11, 0, 6, 'M', 'Q', 'I', 's', 'd', 'p', 3, 0x02, 0, 60, 0, 3,
       'c', 'i', 'd');
  EXPECT(c, 0x20, 0x02, 0x00, 0x01);
  expect_closed(c, 5);
  assert_int_equal(c->ev.n, 0);
  ctx_free(c);
}

static void test_mqtt_server_empty_id_clean_0_gets_connack_2(void **state) {
  struct ctx *c = server_new();
  (void) state;
  SEND(c, 0x10, 0x0c, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x00, 0, 60, 0, 0);
  EXPECT(c, 0x20, 0x02, 0x00, 0x02);
  expect_closed(c, 5);
  assert_int_equal(c->ev.n, 0);
  ctx_free(c);
}

// Empty id with clean session 1 is the handler's to decide.
static void test_mqtt_server_empty_id_clean_1_reaches_handler(void **state) {
  struct ctx *c = server_new();
  (void) state;
  SEND(c, 0x10, 0x0c, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60, 0, 0);
  EXPECT(c, 0x20, 0x02, 0x00, 0x00);
  assert_int_equal(c->ev.r[0].ev, MG_EV_MQTT_CONNECT);
  ctx_free(c);
}

// A handler's refusing CONNACK is followed by the close.
static void test_mqtt_server_refusing_connack_closes(void **state) {
  struct ctx *c = server_new();
  (void) state;
  c->connack = MG_EV_MQTT_CONNACK_BAD_AUTH;
  SEND(c, CONNECT_CID_KA(60));
  EXPECT(c, 0x20, 0x02, 0x00, 0x04);
  expect_closed(c, 5);
  ctx_free(c);
}

static void test_mqtt_server_keep_alive_1_5x_closes(void **state) {
  struct ctx *c = server_connected(1);
  double start = mg_time();
  (void) state;
  expect_closed(c, 5);
  assert_true(mg_time() - start >= 1.4);
  ctx_free(c);
}

// Packets keep the connection: PINGREQ gets PINGRESP.
static void test_mqtt_server_pingreq_gets_pingresp(void **state) {
  struct ctx *c = server_connected(1);
  int i;
  (void) state;
  for (i = 0; i < 3; i++) {
    expect_silence(c, 0.9);
    SEND(c, 0xc0, 0x00);
    EXPECT(c, 0xd0, 0x00);
  }
  assert_int_equal(c->closed, 0);
  assert_int_equal(c->ev.r[1].ev, MG_EV_MQTT_PINGREQ);
  ctx_free(c);
}

static void test_mqtt_server_publish_flows_and_broker_slot(void **state) {
  struct ctx *c = server_connected(0);
  void **slot;
  (void) state;
  assert_true(mg_mqtt_is_mqtt(c->nc));
  slot = mg_mqtt_broker_slot(c->nc);
  assert_non_null(slot);
  assert_null(*slot);
  *slot = c;
  assert_ptr_equal(*mg_mqtt_broker_slot(c->nc), c);
  SEND(c, 0x32, 6, 0, 1, 't', 0, 1, 'x');
  EXPECT(c, 0x40, 0x02, 0x00, 0x01);
  SEND(c, 0x34, 6, 0, 1, 't', 0, 2, 'x');
  EXPECT(c, 0x50, 0x02, 0x00, 0x02);
  SEND(c, 0x62, 0x02, 0x00, 0x02);
  EXPECT(c, 0x70, 0x02, 0x00, 0x02);
  SEND(c, 0x82, 6, 0, 3, 0, 1, 't', 1);
  assert_true(events_at_least(&c->ev, 5, c));
  assert_int_equal(c->ev.r[4].ev, MG_EV_MQTT_SUBSCRIBE);
  mg_mqtt_suback(c->nc, (uint8_t *) "\x01", 1, 3);
  EXPECT(c, 0x90, 0x03, 0x00, 0x03, 0x01);
  mg_mqtt_unsuback(c->nc, 4);
  EXPECT(c, 0xb0, 0x02, 0x00, 0x04);
  // Outgoing QoS 2 from the server side: PUBREC gets PUBREL too.
  mg_mqtt_publish(c->nc, "t", 5, MG_MQTT_QOS(2), "y", 1);
  EXPECT(c, 0x34, 6, 0, 1, 't', 0, 5, 'y');
  SEND(c, 0x50, 0x02, 0x00, 0x05);
  EXPECT(c, 0x62, 0x02, 0x00, 0x05);
  ctx_free(c);
}

static void test_mqtt_server_disconnect_delivered_then_closes(void **state) {
  struct ctx *c = server_connected(60);
  (void) state;
  SEND(c, 0xe0, 0x00, 0xc0, 0x00);  // Nothing after DISCONNECT is handled
  expect_closed(c, 5);
  assert_int_equal(c->ev.n, 2);
  assert_int_equal(c->ev.r[1].ev, MG_EV_MQTT_DISCONNECT);
  ctx_free(c);
}

// Many packets in one read, and one packet in many reads.
static void test_mqtt_server_batched_and_split_packets(void **state) {
  struct ctx *c = server_connected(0);
  unsigned char buf[100 * 6];
  int i;
  (void) state;
  for (i = 0; i < 100; i++) {
    unsigned char *p = buf + i * 6;
    p[0] = 0x30, p[1] = 4, p[2] = 0, p[3] = 1, p[4] = 't';
    p[5] = (unsigned char) i;
  }
  raw_send(&c->mgr, c->fd, (const char *) buf, sizeof(buf));
  assert_true(events_at_least(&c->ev, 101, c));
  for (i = 0; i < 100; i++) {
    assert_int_equal(c->ev.r[1 + i].payload[0], i);
  }
  for (i = 0; i < 6; i++) {
    raw_send(&c->mgr, c->fd, (const char *) buf + i, 1);
    mg_mgr_poll(&c->mgr, 5);
  }
  assert_true(events_at_least(&c->ev, 102, c));
  assert_int_equal(c->ev.r[101].payload[0], 0);
  ctx_free(c);
}

// ---- MQTT over WebSocket
// -----------------------------------------------------

static void ws_server_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct ctx *c = (struct ctx *) nc->mgr->user_data;
  if (ev == MG_EV_CLOSE && !(nc->flags & MG_F_LISTENING)) c->closed++;
  if (ev == MG_EV_WEBSOCKET_HANDSHAKE_DONE) c->nc = nc;
  if (mg_mqtt_ws_event(nc, ev, ev_data, ws_server_handler)) return;
  if (ev >= MG_MQTT_EVENT_BASE) {
    record(&c->ev, ev, (struct mg_mqtt_message *) ev_data);
    if (ev == MG_EV_MQTT_CONNECT) mg_mqtt_connack(nc, 0);
  }
}

static void ws_client_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct ctx *c = (struct ctx *) nc->mgr->user_data;
  struct mg_mqtt_message *m = (struct mg_mqtt_message *) ev_data;
  if (ev == MG_EV_WEBSOCKET_HANDSHAKE_DONE) {
    assert_true(mg_mqtt_ws_event(nc, ev, ev_data, ws_client_handler));
    mg_send_mqtt_handshake_opt(nc, "wsc", c->opts);
    return;
  }
  if (mg_mqtt_ws_event(nc, ev, ev_data, ws_client_handler)) return;
  if (ev < MG_MQTT_EVENT_BASE) return;
  record(&c->cev, ev, m);
  if (ev == MG_EV_MQTT_CONNACK) {
    mg_mqtt_publish(nc, "w/t", 7, MG_MQTT_QOS(1), "over ws", 7);
    mg_mqtt_publish(nc, "w/t", 8, MG_MQTT_QOS(2), "again", 5);
  }
}

static struct ctx *ws_server_new(void) {
  struct ctx *c = ctx_new();
  struct mg_connection *lc = mg_bind(&c->mgr, "127.0.0.1:0", ws_server_handler);
  assert_non_null(lc);
  mg_set_protocol_http_websocket(lc);
  c->port = conn_port(lc);
  return c;
}

// A raw WebSocket client past the upgrade.
static void raw_ws_connect(struct ctx *c) {
  char buf[1024];
  int closed;
  c->fd = raw_connect(c->port);
  raw_sends(&c->mgr, c->fd,
            "GET /mqtt HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Protocol: mqtt\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
  raw_recv(&c->mgr, c->fd, buf, sizeof(buf), 1, &closed, 5);
  assert_memory_equal(buf, "HTTP/1.1 101 ", 13);
}

// Sends a masked frame (key 0: the payload as is), n < 126.
static void ws_frame(struct ctx *c, int b0, const void *p, size_t n) {
  unsigned char buf[136];
  assert_true(n < 126);
  buf[0] = (unsigned char) b0;
  buf[1] = (unsigned char) (0x80 | n);
  memset(buf + 2, 0, 4);
  memcpy(buf + 6, p, n);
  raw_send(&c->mgr, c->fd, (const char *) buf, n + 6);
}

static void test_mqtt_ws_split_connect_and_two_packets_in_a_frame(
    void **state) {
  static const unsigned char connect[] = {CONNECT_CID_KA(60)};
  static const unsigned char two[] = {0xc0, 0x00, 0x32, 6, 0,
                                      1,    't',  0,    1, 'x'};
  static const unsigned char three_parts[] = {0x30, 4, 0, 1, 't', 'z'};
  struct ctx *c = ws_server_new();
  (void) state;
  raw_ws_connect(c);
  ws_frame(c, 0x82, connect, 5);  // The CONNECT in two frames
  expect_silence(c, 0.1);
  ws_frame(c, 0x82, connect + 5, sizeof(connect) - 5);
  EXPECT(c, 0x82, 4, 0x20, 0x02, 0x00, 0x00);  // One binary frame each
  ws_frame(c, 0x82, two, sizeof(two));         // Two packets, one frame
  EXPECT(c, 0x82, 2, 0xd0, 0x00, 0x82, 4, 0x40, 0x02, 0x00, 0x01);
  // A packet in three frames.
  ws_frame(c, 0x82, three_parts, 1);
  ws_frame(c, 0x82, three_parts + 1, 3);
  ws_frame(c, 0x82, three_parts + 4, 2);
  assert_true(events_at_least(&c->ev, 4, c));
  assert_int_equal(c->ev.r[0].ev, MG_EV_MQTT_CONNECT);
  assert_int_equal(c->ev.r[1].ev, MG_EV_MQTT_PINGREQ);
  assert_int_equal(c->ev.r[2].ev, MG_EV_MQTT_PUBLISH);
  assert_int_equal(c->ev.r[3].payload[0], 'z');
  assert_true(mg_mqtt_is_mqtt(c->nc));
  assert_non_null(mg_mqtt_broker_slot(c->nc));
  ctx_free(c);
}

static void test_mqtt_ws_malformed_and_text_frames_close(void **state) {
  static const unsigned char connect[] = {CONNECT_CID_KA(60)};
  static const unsigned char qos3[] = {0x36, 5, 0, 1, 't', 0, 1};
  struct ctx *c = ws_server_new();
  unsigned char junk[64];
  int closed = 0;
  double deadline;
  (void) state;
  raw_ws_connect(c);
  ws_frame(c, 0x82, connect, sizeof(connect));
  EXPECT(c, 0x82, 4, 0x20, 0x02, 0x00, 0x00);
  ws_frame(c, 0x81, "hello", 5);
  deadline = mg_time() + 5;
  while (!closed && mg_time() < deadline) {
    peer_read(c, junk, sizeof(junk), &closed, 0.05);
  }
  assert_true(closed);
  close(c->fd);
  c->fd = -1;
  raw_ws_connect(c);
  ws_frame(c, 0x82, connect, sizeof(connect));
  EXPECT(c, 0x82, 4, 0x20, 0x02, 0x00, 0x00);
  ws_frame(c, 0x82, qos3, sizeof(qos3));
  expect_closed(c, 5);
  assert_int_equal(c->ev.n, 2);  // The two CONNECTs only
  ctx_free(c);
}

// Our client over mg_connect_ws() to our WebSocket server: masked frames
// one way, plain the other, the acknowledgements on both sides.
static void test_mqtt_ws_client_to_ws_server(void **state) {
  struct ctx *c = ws_server_new();
  char url[64];
  (void) state;
  c->opts.flags = MG_MQTT_CLEAN_SESSION;
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/mqtt", c->port);
  assert_non_null(mg_connect_ws(&c->mgr, ws_client_handler, url, "mqtt", NULL));
  assert_true(events_at_least(&c->cev, 4, c));
  assert_int_equal(c->cev.r[0].ev, MG_EV_MQTT_CONNACK);
  assert_int_equal(c->cev.r[1].ev, MG_EV_MQTT_PUBACK);
  assert_int_equal(c->cev.r[1].id, 7);
  assert_int_equal(c->cev.r[2].ev, MG_EV_MQTT_PUBREC);
  assert_int_equal(c->cev.r[3].ev, MG_EV_MQTT_PUBCOMP);
  assert_int_equal(c->cev.r[3].id, 8);
  assert_true(events_at_least(&c->ev, 4, c));
  assert_int_equal(c->ev.r[1].ev, MG_EV_MQTT_PUBLISH);
  assert_string_equal(c->ev.r[1].topic, "w/t");
  assert_memory_equal(c->ev.r[1].payload, "over ws", 7);
  assert_int_equal(c->ev.r[3].ev, MG_EV_MQTT_PUBREL);
  ctx_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(
          test_mqtt_client_handshake_bytes_with_will_user_password),
      cmocka_unit_test(test_mqtt_client_handshake_6x_defaults),
      cmocka_unit_test(
          test_mqtt_client_connack_refused_is_delivered_then_closes),
      cmocka_unit_test(test_mqtt_client_publish_qos0_1_2_bytes_and_flows),
      cmocka_unit_test(test_mqtt_client_incoming_publish_qos0_1_2_acked),
      cmocka_unit_test(test_mqtt_client_handler_acks_are_not_doubled),
      cmocka_unit_test(test_mqtt_client_duplicate_qos2_publish_delivered_once),
      cmocka_unit_test(test_mqtt_client_too_many_qos2_waiting_closes),
      cmocka_unit_test(test_mqtt_client_subscribe_unsubscribe_bytes_and_acks),
      cmocka_unit_test(test_mqtt_client_invalid_requests_are_not_sent),
      cmocka_unit_test(test_mqtt_client_pingreq_after_keep_alive_then_close),
      cmocka_unit_test(test_mqtt_client_pingresp_keeps_the_connection),
      cmocka_unit_test(test_mqtt_client_session_resends_after_reconnect),
      cmocka_unit_test(test_mqtt_client_session_keeps_incoming_qos2_ids),
      cmocka_unit_test(test_mqtt_client_session_clean_and_limit),
      cmocka_unit_test(test_mqtt_client_five_byte_remaining_length_closes),
      cmocka_unit_test(test_mqtt_client_qos3_publish_closes),
      cmocka_unit_test(test_mqtt_client_qos3_closes_before_the_rest_arrives),
      cmocka_unit_test(test_mqtt_client_truncated_length_field_closes),
      cmocka_unit_test(test_mqtt_client_oversized_packet_closes_on_header),
      cmocka_unit_test(test_mqtt_client_server_only_packets_close),
      cmocka_unit_test(test_mqtt_client_publish_before_connack_closes),
      cmocka_unit_test(test_mqtt_server_subscribe_before_connect_closes),
      cmocka_unit_test(test_mqtt_server_second_connect_closes),
      cmocka_unit_test(test_mqtt_server_client_only_packets_close),
      cmocka_unit_test(test_mqtt_server_256mb_first_packet_closes),
      cmocka_unit_test(test_mqtt_server_malformed_connect_closes),
      cmocka_unit_test(test_mqtt_server_level_3_gets_connack_1_and_close),
      cmocka_unit_test(test_mqtt_server_mqisdp_gets_connack_1_and_close),
      cmocka_unit_test(test_mqtt_server_empty_id_clean_0_gets_connack_2),
      cmocka_unit_test(test_mqtt_server_empty_id_clean_1_reaches_handler),
      cmocka_unit_test(test_mqtt_server_refusing_connack_closes),
      cmocka_unit_test(test_mqtt_server_keep_alive_1_5x_closes),
      cmocka_unit_test(test_mqtt_server_pingreq_gets_pingresp),
      cmocka_unit_test(test_mqtt_server_publish_flows_and_broker_slot),
      cmocka_unit_test(test_mqtt_server_disconnect_delivered_then_closes),
      cmocka_unit_test(test_mqtt_server_batched_and_split_packets),
      cmocka_unit_test(test_mqtt_ws_split_connect_and_two_packets_in_a_frame),
      cmocka_unit_test(test_mqtt_ws_malformed_and_text_frames_close),
      cmocka_unit_test(test_mqtt_ws_client_to_ws_server),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
