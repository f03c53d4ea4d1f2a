// Net tests for the DNS protocol handler and server replies: a DNS server
// (mg_set_protocol_dns on a UDP and a TCP listener, replies with
// mg_dns_create_reply/mg_dns_reply_record/mg_dns_send_reply) and our own
// clients in one manager: mg_connect + mg_send_dns_query over UDP and TCP,
// and raw sockets sending queries built with the codec (partial TCP
// frames, two messages in one segment, malformed queries).
#include "net_util.h"  // First: mongoose.h sets the feature macros

#include <arpa/inet.h>

struct ctx {
  struct mg_mgr mgr;
  int port;         // The UDP and the TCP listener's port
  int srv_queries;  // Queries the server answered
  int cli_replies;  // Replies our clients got
  uint16_t cli_flags;
  int cli_answers;
  struct in_addr cli_addr;  // The A answer the client got
  char cli_name[256];       // Its name
  int cli_closed;
};

static struct ctx s_ctx;

// Server: every A question gets 10.0.0.<number of queries so far>.
static void srv_ev(struct mg_connection *nc, int ev, void *ev_data) {
  struct ctx *c = (struct ctx *) nc->mgr->user_data;
  struct mg_dns_message *msg = (struct mg_dns_message *) ev_data;
  struct mg_dns_reply r;
  unsigned char ip[4] = {10, 0, 0, 0};
  int i;
  if (ev != MG_DNS_MESSAGE || (msg->flags & 0x8000)) return;
  ip[3] = (unsigned char) ++c->srv_queries;
  r = mg_dns_create_reply(&nc->send_mbuf, msg);
  for (i = 0; i < msg->num_questions; i++) {
    if (msg->questions[i].rtype != MG_DNS_A_RECORD) continue;
    mg_dns_reply_record(&r, &msg->questions[i], NULL, MG_DNS_A_RECORD, 60, ip,
                        4);
  }
  mg_dns_send_reply(nc, &r);
}

static void cli_ev(struct mg_connection *nc, int ev, void *ev_data) {
  struct ctx *c = (struct ctx *) nc->mgr->user_data;
  struct mg_dns_message *msg = (struct mg_dns_message *) ev_data;
  struct mg_dns_resource_record *rr;
  if (ev == MG_EV_CLOSE) c->cli_closed++;
  if (ev != MG_DNS_MESSAGE) return;
  c->cli_replies++;
  c->cli_flags = msg->flags;
  c->cli_answers = msg->num_answers;
  if ((rr = mg_dns_next_record(msg, MG_DNS_A_RECORD, NULL)) != NULL) {
    assert_int_equal(mg_dns_parse_record_data(msg, rr, &c->cli_addr, 4), 0);
    mg_dns_uncompress_name(msg, &rr->name, c->cli_name, sizeof(c->cli_name));
  }
  nc->flags |= MG_F_SEND_AND_CLOSE;
}

// Binds UDP and TCP listeners on one free port.
static int setup(void **state) {
  struct mg_connection *u, *t = NULL;
  char url[64];
  int i;
  (void) state;
  memset(&s_ctx, 0, sizeof(s_ctx));
  mg_mgr_init(&s_ctx.mgr, &s_ctx);
  for (i = 0; i < 20 && t == NULL; i++) {
    u = mg_bind(&s_ctx.mgr, "udp://127.0.0.1:0", srv_ev);
    assert_non_null(u);
    s_ctx.port = conn_port(u);
    snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", s_ctx.port);
    if ((t = mg_bind(&s_ctx.mgr, url, srv_ev)) == NULL) {
      u->flags |= MG_F_CLOSE_IMMEDIATELY;
    }
  }
  assert_non_null(t);
  mg_set_protocol_dns(u);
  mg_set_protocol_dns(t);
  return 0;
}

static int teardown(void **state) {
  (void) state;
  mg_mgr_free(&s_ctx.mgr);
  return 0;
}

static int got_reply(void *arg) {
  return ((struct ctx *) arg)->cli_replies > 0;
}

static void client_query(const char *scheme) {
  struct mg_connection *nc;
  char url[64];
  snprintf(url, sizeof(url), "%s://127.0.0.1:%d", scheme, s_ctx.port);
  nc = mg_connect(&s_ctx.mgr, url, cli_ev);
  assert_non_null(nc);
  mg_set_protocol_dns(nc);
  mg_send_dns_query(nc, "host.test", MG_DNS_A_RECORD);
  assert_true(poll_until(&s_ctx.mgr, got_reply, &s_ctx, 5));
  assert_int_equal(s_ctx.cli_replies, 1);
  assert_int_equal(s_ctx.cli_flags & 0x800f, 0x8000);  // QR, NOERROR
  assert_int_equal(s_ctx.cli_answers, 1);
  assert_int_equal(ntohl(s_ctx.cli_addr.s_addr), 0x0a000001);
  assert_string_equal(s_ctx.cli_name, "host.test");
}

static void test_dns_net_udp_query_answered(void **state) {
  (void) state;
  client_query("udp");
}

static void test_dns_net_tcp_query_answered(void **state) {
  (void) state;
  client_query("tcp");
}

// Appends a query (id, name, type) to io with the codec, framed for TCP
// when tcp is set.
static void build_query(struct mbuf *io, uint16_t id, const char *name,
                        int type, int tcp) {
  struct mg_dns_message *msg =
      (struct mg_dns_message *) calloc(1, sizeof(*msg));
  struct mg_dns_resource_record q;
  size_t start = io->len;
  unsigned char len[2];
  assert_non_null(msg);
  memset(&q, 0, sizeof(q));
  q.rtype = type, q.rclass = 1, q.kind = MG_DNS_QUESTION;
  msg->transaction_id = id, msg->flags = 0x0100, msg->num_questions = 1;
  assert_true(mg_dns_encode_record(io, &q, name, strlen(name), NULL, 0) > 0);
  assert_int_equal(mg_dns_insert_header(io, start, msg), 12);
  if (tcp) {
    len[0] = (unsigned char) ((io->len - start) >> 8);
    len[1] = (unsigned char) (io->len - start);
    mbuf_insert(io, start, len, 2);
  }
  free(msg);
}

// Reads framed replies from fd until n are complete or the peer closes.
// Returns the bytes read into buf.
static size_t read_frames(int fd, char *buf, size_t cap, int n, int *closed) {
  double deadline = mg_time() + 5;
  size_t got = 0, off;
  int frames;
  *closed = 0;
  while (mg_time() < deadline && got < cap) {
    ssize_t k;
    mg_mgr_poll(&s_ctx.mgr, 1);
    k = recv(fd, buf + got, cap - got, 0);
    if (k == 0) {
      *closed = 1;
      break;
    }
    if (k > 0) got += (size_t) k;
    for (off = 0, frames = 0; off + 2 <= got; frames++) {
      size_t len = (size_t) ((unsigned char) buf[off] << 8 |
                             (unsigned char) buf[off + 1]);
      if (off + 2 + len > got) break;
      off += 2 + len;
    }
    if (n > 0 && frames >= n) break;
  }
  return got;
}

static void test_dns_net_tcp_partial_frames_and_two_in_one(void **state) {
  struct mbuf io;
  struct mg_dns_message *msg =
      (struct mg_dns_message *) calloc(1, sizeof(*msg));
  char buf[1024];
  size_t n, len1;
  int fd, closed, i;
  (void) state;
  assert_non_null(msg);
  mbuf_init(&io, 0);
  build_query(&io, 0x1111, "one.test", MG_DNS_A_RECORD, 1);
  len1 = io.len;
  build_query(&io, 0x2222, "two.test", MG_DNS_A_RECORD, 1);
  build_query(&io, 0x3333, "three.test", MG_DNS_AAAA_RECORD, 1);
  fd = raw_connect(s_ctx.port);
  // The first query in three pieces (inside the length, inside the body),
  // polled in between; then its tail and two more queries in one segment.
  raw_send(&s_ctx.mgr, fd, io.buf, 1);
  for (i = 0; i < 20; i++) mg_mgr_poll(&s_ctx.mgr, 1);
  raw_send(&s_ctx.mgr, fd, io.buf + 1, 10);
  for (i = 0; i < 20; i++) mg_mgr_poll(&s_ctx.mgr, 1);
  assert_int_equal(s_ctx.srv_queries, 0);
  raw_send(&s_ctx.mgr, fd, io.buf + 11, io.len - 11);
  n = read_frames(fd, buf, sizeof(buf), 3, &closed);
  assert_false(closed);
  assert_int_equal(s_ctx.srv_queries, 3);
  // Three framed replies, in order, each with its query's id.
  assert_int_equal(mg_parse_dns(buf + 2, (int) (n - 2), msg), 0);
  assert_int_equal(msg->transaction_id, 0x1111);
  assert_int_equal(msg->num_answers, 1);
  n = (size_t) ((unsigned char) buf[0] << 8 | (unsigned char) buf[1]) + 2;
  assert_int_equal(mg_parse_dns(buf + n + 2, 64, msg), 0);
  assert_int_equal(msg->transaction_id, 0x2222);
  assert_int_equal(msg->num_answers, 1);
  n += (size_t) ((unsigned char) buf[n] << 8 | (unsigned char) buf[n + 1]) + 2;
  assert_int_equal(mg_parse_dns(buf + n + 2, 64, msg), 0);
  assert_int_equal(msg->transaction_id, 0x3333);
  assert_int_equal(msg->num_answers, 0);  // AAAA: NOERROR, no data
  assert_int_equal(msg->flags & 0x000f, 0);
  (void) len1;
  close(fd);
  mbuf_free(&io);
  free(msg);
}

static void test_dns_net_tcp_malformed_gets_formerr_then_close(void **state) {
  char buf[256];
  size_t n;
  int fd, closed;
  (void) state;
  fd = raw_connect(s_ctx.port);
  // 18 bytes: a header announcing one question, the question cut short.
  raw_send(&s_ctx.mgr, fd,
           "\x00\x12\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
           "\x05hello",
           20);
  n = read_frames(fd, buf, sizeof(buf), 0, &closed);
  assert_true(closed);
  assert_int_equal(n, 14);
  assert_memory_equal(buf, "\x00\x0c\xab\xcd\x81\x01\0\0\0\0\0\0\0\0", 14);
  assert_int_equal(s_ctx.srv_queries, 0);
  close(fd);
}

// Sends a datagram to the server from a fresh socket and waits for the
// answer. Returns its length (0: none within the wait).
static size_t udp_exchange(const void *q, size_t qlen, char *buf, size_t cap,
                           double wait) {
  struct sockaddr_in sin;
  double deadline = mg_time() + wait;
  ssize_t k = -1;
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  assert_true(fd >= 0);
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_port = htons((uint16_t) s_ctx.port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(sendto(fd, q, qlen, 0, (struct sockaddr *) &sin,
                          sizeof(sin)),
                   (ssize_t) qlen);
  while (mg_time() < deadline && k <= 0) {
    mg_mgr_poll(&s_ctx.mgr, 1);
    k = recv(fd, buf, cap, MSG_DONTWAIT);
  }
  close(fd);
  return k > 0 ? (size_t) k : 0;
}

static void test_dns_net_udp_malformed_gets_formerr(void **state) {
  char buf[512];
  struct mbuf io;
  (void) state;
  assert_int_equal(udp_exchange("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00"
                                "\x00\x03www\xc0\x0c",
                                18, buf, sizeof(buf), 2),
                   12);
  assert_memory_equal(buf, "\x12\x34\x81\x01\0\0\0\0\0\0\0\0", 12);
  // Shorter than a header: nothing comes back; the server goes on.
  assert_int_equal(udp_exchange("\x12\x34\x01", 3, buf, sizeof(buf), 0.3), 0);
  mbuf_init(&io, 0);
  build_query(&io, 0x4242, "still.alive", MG_DNS_A_RECORD, 0);
  assert_int_equal(udp_exchange(io.buf, io.len, buf, sizeof(buf), 2),
                   12 + 17 + 27);
  assert_memory_equal(buf, "\x42\x42\x81\x80\0\1\0\1", 8);
  assert_int_equal(s_ctx.srv_queries, 1);
  mbuf_free(&io);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_dns_net_udp_query_answered, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_dns_net_tcp_query_answered, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(
          test_dns_net_tcp_partial_frames_and_two_in_one, setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_dns_net_tcp_malformed_gets_formerr_then_close, setup,
          teardown),
      cmocka_unit_test_setup_teardown(test_dns_net_udp_malformed_gets_formerr,
                                      setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
