// Net tests for WebSocket (RFC 6455): our client (mg_connect_ws) against
// our server in one manager, and raw sockets that send hand-made frames
// for every rule that must fail the connection.
#include "net_util.h"  // First: mongoose.h sets the feature macros

struct ctx {
  struct mg_mgr mgr;
  struct mg_connection *lc, *srv_conn;
  int port, no_defrag;
  // What the server side saw.
  int srv_requests, srv_done, srv_frames, srv_controls, srv_closed;
  unsigned char srv_flags, srv_ctl_flags;
  char srv_data[4096];
  size_t srv_len;
  // What the client side saw.
  int cli_done, cli_code, cli_frames, cli_controls, cli_closed;
  unsigned char cli_flags, cli_ctl_flags;
  char cli_data[4096], cli_ctl_data[256], cli_proto[64];
  size_t cli_len, cli_ctl_len;
};

static void copy_out(char *dst, size_t cap, size_t *len, const void *p,
                     size_t n) {
  *len = n < cap ? n : cap;
  if (*len > 0) memcpy(dst, p, *len);
}

static void srv_frame(struct ctx *c, struct mg_connection *nc,
                      struct websocket_message *wm) {
  c->srv_frames++;
  c->srv_flags = wm->flags;
  copy_out(c->srv_data, sizeof(c->srv_data), &c->srv_len, wm->data,
           wm->size);
  if (wm->size == 8 && memcmp(wm->data, "close me", 8) == 0) {
    mg_send_websocket_frame(nc, WEBSOCKET_OP_CLOSE, "\x0f\xa0" "bye", 5);
  } else if (!c->no_defrag) {
    mg_send_websocket_frame(nc, wm->flags & 0x0f, wm->data, wm->size);
  }
}

static void srv_ev(struct mg_connection *nc, int ev, void *ev_data) {
  struct ctx *c = (struct ctx *) nc->mgr->user_data;
  struct http_message *hm = (struct http_message *) ev_data;
  struct websocket_message *wm = (struct websocket_message *) ev_data;
  if (ev == MG_EV_WEBSOCKET_HANDSHAKE_REQUEST) {
    c->srv_requests++;
    if (mg_vcmp(&hm->uri, "/refuse") == 0) mg_http_send_error(nc, 403, NULL);
  } else if (ev == MG_EV_WEBSOCKET_HANDSHAKE_DONE) {
    c->srv_done++;
    c->srv_conn = nc;
    if (c->no_defrag) nc->flags |= MG_F_WEBSOCKET_NO_DEFRAG;
  } else if (ev == MG_EV_WEBSOCKET_FRAME) {
    srv_frame(c, nc, wm);
  } else if (ev == MG_EV_WEBSOCKET_CONTROL_FRAME) {
    c->srv_controls++;
    c->srv_ctl_flags = wm->flags;
  } else if (ev == MG_EV_CLOSE && (nc->flags & MG_F_IS_WEBSOCKET)) {
    c->srv_closed++;
  }
}

static void cli_ev(struct mg_connection *nc, int ev, void *ev_data) {
  struct ctx *c = (struct ctx *) nc->mgr->user_data;
  struct http_message *hm = (struct http_message *) ev_data;
  struct websocket_message *wm = (struct websocket_message *) ev_data;
  struct mg_str *proto;
  size_t n;
  if (ev == MG_EV_WEBSOCKET_HANDSHAKE_DONE) {
    c->cli_done++;
    c->cli_code = hm->resp_code;
    proto = mg_get_http_header(hm, "Sec-WebSocket-Protocol");
    if (proto != NULL) copy_out(c->cli_proto, sizeof(c->cli_proto) - 1, &n,
                                proto->p, proto->len);
  } else if (ev == MG_EV_WEBSOCKET_FRAME) {
    c->cli_frames++;
    c->cli_flags = wm->flags;
    copy_out(c->cli_data, sizeof(c->cli_data), &c->cli_len, wm->data,
             wm->size);
  } else if (ev == MG_EV_WEBSOCKET_CONTROL_FRAME) {
    c->cli_controls++;
    c->cli_ctl_flags = wm->flags;
    copy_out(c->cli_ctl_data, sizeof(c->cli_ctl_data), &c->cli_ctl_len,
             wm->data, wm->size);
  } else if (ev == MG_EV_CLOSE) {
    c->cli_closed++;
  }
}

static struct ctx *ctx_new(void) {
  struct ctx *c = (struct ctx *) calloc(1, sizeof(*c));
  assert_non_null(c);
  mg_mgr_init(&c->mgr, c);
  c->lc = mg_bind(&c->mgr, "127.0.0.1:0", srv_ev);
  assert_non_null(c->lc);
  mg_set_protocol_http_websocket(c->lc);
  c->port = conn_port(c->lc);
  return c;
}

static void ctx_free(struct ctx *c) {
  mg_mgr_free(&c->mgr);
  free(c);
}

// Connects our client to path with an optional subprotocol list.
static struct mg_connection *ws_open(struct ctx *c, const char *path,
                                     const char *protocol) {
  char url[128];
  struct mg_connection *nc;
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d%s", c->port, path);
  nc = mg_connect_ws(&c->mgr, cli_ev, url, protocol, NULL);
  assert_non_null(nc);
  assert_true(poll_flag(&c->mgr, &c->cli_done, 5));
  return nc;
}

// ---- Our client against our server --------------------------------------------

static void test_ws_echo_text_and_binary(void **state) {
  struct ctx *c = ctx_new();
  struct mg_connection *nc = ws_open(c, "/echo", NULL);
  static const unsigned char bin[] = {0, 1, 0xff, 0x80, 0xc0};
  (void) state;
  assert_int_equal(c->cli_code, 101);
  assert_true(nc->flags & MG_F_IS_WEBSOCKET);
  assert_int_equal(c->srv_requests, 1);
  assert_int_equal(c->srv_done, 1);
  mg_send_websocket_frame(nc, WEBSOCKET_OP_TEXT, "h\xc3\xa9llo", 6);
  assert_true(poll_flag(&c->mgr, &c->cli_frames, 5));
  assert_int_equal(c->cli_flags, 0x80 | WEBSOCKET_OP_TEXT);
  assert_int_equal(c->cli_len, 6);
  assert_memory_equal(c->cli_data, "h\xc3\xa9llo", 6);
  c->cli_frames = 0;
  mg_send_websocket_frame(nc, WEBSOCKET_OP_BINARY, bin, sizeof(bin));
  assert_true(poll_flag(&c->mgr, &c->cli_frames, 5));
  assert_int_equal(c->cli_flags, 0x80 | WEBSOCKET_OP_BINARY);
  assert_int_equal(c->cli_len, sizeof(bin));
  assert_memory_equal(c->cli_data, bin, sizeof(bin));
  ctx_free(c);
}

// ws://[::1]:port/ connects to the IPv6 loopback (the brackets are not part
// of the address) and sends "Host: [::1]:port".
static void test_ws_client_ipv6_literal(void **state) {
  struct ctx *c = ctx_new();
  struct mg_connection *lc6, *nc;
  char url[128];
  (void) state;
  lc6 = mg_bind(&c->mgr, "tcp://[::1]:0", srv_ev);
  if (lc6 == NULL) {
    ctx_free(c);
    print_message("SKIP: no IPv6 loopback (::1) here; enable it with: "
                  "sysctl -w net.ipv6.conf.lo.disable_ipv6=0\n");
    skip();
  }
  mg_set_protocol_http_websocket(lc6);
  snprintf(url, sizeof(url), "ws://[::1]:%d/echo", conn_port(lc6));
  nc = mg_connect_ws(&c->mgr, cli_ev, url, NULL, NULL);
  assert_non_null(nc);
  assert_true(poll_flag(&c->mgr, &c->cli_done, 5));
  assert_int_equal(c->cli_code, 101);
  assert_true(nc->flags & MG_F_IS_WEBSOCKET);
  ctx_free(c);
}

static void test_ws_echo_large_message(void **state) {
  struct ctx *c = ctx_new();
  struct mg_connection *nc = ws_open(c, "/echo", NULL);
  char big[4000];
  (void) state;
  memset(big, 'z', sizeof(big));
  mg_send_websocket_frame(nc, WEBSOCKET_OP_BINARY, big, sizeof(big));
  assert_true(poll_flag(&c->mgr, &c->cli_frames, 5));
  assert_int_equal(c->cli_len, sizeof(big));
  assert_memory_equal(c->cli_data, big, sizeof(big));
  ctx_free(c);
}

static void test_ws_dont_fin_fragments_reassembled(void **state) {
  struct ctx *c = ctx_new();
  struct mg_connection *nc = ws_open(c, "/echo", NULL);
  (void) state;
  mg_send_websocket_frame(nc, WEBSOCKET_OP_TEXT | WEBSOCKET_DONT_FIN, "ab", 2);
  mg_send_websocket_frame(nc, WEBSOCKET_OP_PING, "p", 1);  // In between
  mg_send_websocket_frame(nc, WEBSOCKET_OP_CONTINUE | WEBSOCKET_DONT_FIN,
                          "\xe2\x82", 2);  // A character split in two
  mg_send_websocket_frame(nc, WEBSOCKET_OP_CONTINUE, "\xac" "cd", 3);
  assert_true(poll_flag(&c->mgr, &c->cli_frames, 5));
  assert_int_equal(c->srv_frames, 1);
  assert_int_equal(c->srv_flags, 0x80 | WEBSOCKET_OP_TEXT);
  assert_int_equal(c->srv_len, 7);
  assert_memory_equal(c->srv_data, "ab\xe2\x82\xac" "cd", 7);
  assert_int_equal(c->cli_len, 7);
  assert_int_equal(c->cli_controls, 1);  // The pong
  assert_int_equal(c->cli_ctl_flags, 0x80 | WEBSOCKET_OP_PONG);
  ctx_free(c);
}

static int srv_frames_3(void *arg) {
  return ((struct ctx *) arg)->srv_frames >= 3;
}

static void test_ws_no_defrag_delivers_fragments(void **state) {
  struct ctx *c = ctx_new();
  struct mg_connection *nc;
  (void) state;
  c->no_defrag = 1;
  nc = ws_open(c, "/echo", NULL);
  mg_send_websocket_frame(nc, WEBSOCKET_OP_BINARY | WEBSOCKET_DONT_FIN, "a", 1);
  mg_send_websocket_frame(nc, WEBSOCKET_OP_CONTINUE | WEBSOCKET_DONT_FIN, "b",
                          1);
  mg_send_websocket_frame(nc, WEBSOCKET_OP_CONTINUE, "c", 1);
  assert_true(poll_until(&c->mgr, srv_frames_3, c, 5));
  assert_int_equal(c->srv_frames, 3);
  assert_int_equal(c->srv_flags, 0x80 | WEBSOCKET_OP_CONTINUE);
  assert_int_equal(c->srv_len, 1);
  assert_memory_equal(c->srv_data, "c", 1);
  ctx_free(c);
}

static void test_ws_ping_gets_pong_with_payload(void **state) {
  struct ctx *c = ctx_new();
  struct mg_connection *nc = ws_open(c, "/echo", NULL);
  (void) state;
  mg_send_websocket_frame(nc, WEBSOCKET_OP_PING, "are you there", 13);
  assert_true(poll_flag(&c->mgr, &c->cli_controls, 5));
  assert_int_equal(c->cli_ctl_flags, 0x80 | WEBSOCKET_OP_PONG);
  assert_int_equal(c->cli_ctl_len, 13);
  assert_memory_equal(c->cli_ctl_data, "are you there", 13);
  assert_int_equal(c->srv_controls, 1);
  assert_int_equal(c->srv_ctl_flags, 0x80 | WEBSOCKET_OP_PING);
  ctx_free(c);
}

static int both_closed(void *arg) {
  struct ctx *c = (struct ctx *) arg;
  return c->cli_closed > 0 && c->srv_closed > 0;
}

static void test_ws_client_starts_close_code_echoed(void **state) {
  struct ctx *c = ctx_new();
  struct mg_connection *nc = ws_open(c, "/echo", NULL);
  (void) state;
  mg_send_websocket_frame(nc, WEBSOCKET_OP_CLOSE, "\x03\xe9" "away", 6);
  assert_true(poll_until(&c->mgr, both_closed, c, 5));
  assert_int_equal(c->srv_controls, 1);
  assert_int_equal(c->srv_ctl_flags, 0x80 | WEBSOCKET_OP_CLOSE);
  assert_int_equal(c->cli_controls, 1);  // The echo
  assert_int_equal(c->cli_ctl_flags, 0x80 | WEBSOCKET_OP_CLOSE);
  assert_int_equal(c->cli_ctl_len, 2);
  assert_memory_equal(c->cli_ctl_data, "\x03\xe9", 2);  // 1001
  ctx_free(c);
}

static void test_ws_server_starts_close_code_echoed(void **state) {
  struct ctx *c = ctx_new();
  struct mg_connection *nc = ws_open(c, "/echo", NULL);
  (void) state;
  mg_send_websocket_frame(nc, WEBSOCKET_OP_TEXT, "close me", 8);
  assert_true(poll_until(&c->mgr, both_closed, c, 5));
  assert_int_equal(c->cli_controls, 1);
  assert_int_equal(c->cli_ctl_len, 5);
  assert_memory_equal(c->cli_ctl_data, "\x0f\xa0" "bye", 5);
  assert_int_equal(c->srv_controls, 1);  // The client's automatic echo
  assert_int_equal(c->srv_ctl_flags, 0x80 | WEBSOCKET_OP_CLOSE);
  ctx_free(c);
}

static void test_ws_handler_refuses_handshake(void **state) {
  struct ctx *c = ctx_new();
  (void) state;
  ws_open(c, "/refuse", NULL);
  assert_int_equal(c->cli_code, 403);
  assert_int_equal(c->srv_done, 0);
  assert_true(poll_flag(&c->mgr, &c->cli_closed, 5));
  ctx_free(c);
}

static void test_ws_subprotocol_echoed_only_if_offered(void **state) {
  struct ctx *c = ctx_new();
  (void) state;
  ws_open(c, "/echo", "chat, superchat");
  assert_int_equal(c->cli_code, 101);
  assert_string_equal(c->cli_proto, "chat");
  ctx_free(c);
  c = ctx_new();
  ws_open(c, "/echo", NULL);
  assert_int_equal(c->cli_code, 101);
  assert_string_equal(c->cli_proto, "");
  ctx_free(c);
}

static void test_ws_connect_to_closed_port_reports_close(void **state) {
  struct ctx *c = ctx_new();
  char url[64];
  int port = c->port;
  (void) state;
  mg_mgr_free(&c->mgr);  // Nobody listens there any more
  mg_mgr_init(&c->mgr, c);
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", port);
  assert_non_null(mg_connect_ws(&c->mgr, cli_ev, url, NULL, NULL));
  assert_true(poll_flag(&c->mgr, &c->cli_closed, 5));
  assert_int_equal(c->cli_done, 0);
  ctx_free(c);
}

// ---- Raw sockets ------------------------------------------------------------------

// Reads from fd while polling until n bytes are in buf, the peer closes
// (*closed = 1), or seconds pass. Returns the bytes read.
static size_t raw_read(struct mg_mgr *mgr, int fd, unsigned char *buf,
                       size_t n, int *closed, double seconds) {
  double deadline = mg_time() + seconds;
  size_t got = 0;
  *closed = 0;
  while (got < n && mg_time() < deadline) {
    ssize_t k;
    mg_mgr_poll(mgr, 1);
    k = recv(fd, buf + got, n - got, 0);
    if (k == 0) {
      *closed = 1;
      break;
    }
    if (k > 0) got += (size_t) k;
  }
  return got;
}

// True once the server closes fd (any bytes before that are dropped).
static int raw_wait_closed(struct mg_mgr *mgr, int fd) {
  unsigned char junk[256];
  int closed = 0;
  double deadline = mg_time() + 5;
  while (!closed && mg_time() < deadline) {
    raw_read(mgr, fd, junk, sizeof(junk), &closed, 0.05);
  }
  return closed;
}

// Sends request on a new raw socket; returns it with the response in buf.
static int raw_request(struct ctx *c, const char *request, char *buf,
                       size_t cap) {
  int fd = raw_connect(c->port), closed;
  raw_sends(&c->mgr, fd, request);
  raw_recv(&c->mgr, fd, buf, cap, 1, &closed, 5);
  return fd;
}

#define UPGRADE_HEAD(method, extra)                                   \
  method " /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"       \
         "Connection: Upgrade\r\n" extra "\r\n"
#define KEY "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
#define V13 "Sec-WebSocket-Version: 13\r\n"

// A raw socket that completed the handshake.
static int raw_ws(struct ctx *c) {
  char buf[1024];
  int fd = raw_request(c, UPGRADE_HEAD("GET", V13 KEY), buf, sizeof(buf));
  assert_memory_equal(buf, "HTTP/1.1 101 ", 13);
  assert_non_null(strstr(buf, "\r\nSec-WebSocket-Accept: "
                              "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
  assert_null(strstr(buf, "Sec-WebSocket-Protocol"));
  return fd;
}

static const unsigned char s_key[4] = {0xa1, 0x02, 0x7f, 0xee};

// Builds a client frame with first byte b0 (FIN, RSV, opcode), masked with
// s_key when masked is set. Payloads up to 65535 bytes.
static size_t frame(unsigned char *out, int b0, const void *data, size_t len,
                    int masked) {
  size_t n = 2, i;
  out[0] = (unsigned char) b0;
  if (len < 126) {
    out[1] = (unsigned char) len;
  } else {
    out[1] = 126, out[2] = (unsigned char) (len >> 8);
    out[3] = (unsigned char) len, n = 4;
  }
  if (masked) {
    out[1] |= 0x80;
    memcpy(out + n, s_key, 4);
    n += 4;
  }
  for (i = 0; i < len; i++) {
    out[n + i] = ((const unsigned char *) data)[i] ^ (masked ? s_key[i & 3] : 0);
  }
  return n + len;
}

// Sends bytes after the handshake; expects a close frame with code, then
// the TCP close.
static void expect_fail(const void *bytes, size_t n, int code) {
  struct ctx *c = ctx_new();
  int fd = raw_ws(c), closed;
  unsigned char got[4];
  raw_send(&c->mgr, fd, (const char *) bytes, n);
  assert_int_equal(raw_read(&c->mgr, fd, got, 4, &closed, 5), 4);
  assert_int_equal(got[0], 0x88);
  assert_int_equal(got[1], 2);
  assert_int_equal(got[2] << 8 | got[3], code);
  assert_true(raw_wait_closed(&c->mgr, fd));
  assert_int_equal(c->srv_frames, 0);
  close(fd);
  ctx_free(c);
}

static void expect_frame_fails(int b0, const void *data, size_t len,
                               int code) {
  unsigned char buf[300];
  expect_fail(buf, frame(buf, b0, data, len, 1), code);
}

static void test_ws_raw_unmasked_frame_fails_1002(void **state) {
  unsigned char buf[16];
  (void) state;
  expect_fail(buf, frame(buf, 0x81, "hi", 2, 0), 1002);
}

static void test_ws_raw_rsv_bits_fail_1002(void **state) {
  (void) state;
  expect_frame_fails(0xc1, "x", 1, 1002);
  expect_frame_fails(0xa1, "x", 1, 1002);
  expect_frame_fails(0x91, "x", 1, 1002);
}

static void test_ws_raw_reserved_opcodes_fail_1002(void **state) {
  int op;
  (void) state;
  for (op = 3; op <= 7; op++) expect_frame_fails(0x80 | op, "", 0, 1002);
  for (op = 11; op <= 15; op++) expect_frame_fails(0x80 | op, "", 0, 1002);
}

static void test_ws_raw_bad_control_frames_fail_1002(void **state) {
  char big[126];
  (void) state;
  memset(big, 'p', sizeof(big));
  expect_frame_fails(0x09, "p", 1, 1002);             // Ping, FIN = 0
  expect_frame_fails(0x89, big, sizeof(big), 1002);   // Ping > 125 bytes
  expect_frame_fails(0x08, "\x03\xe8", 2, 1002);      // Close, FIN = 0
}

static void test_ws_raw_continuation_without_start_fails_1002(void **state) {
  (void) state;
  expect_frame_fails(0x80, "x", 1, 1002);
}

static void test_ws_raw_new_message_in_fragmented_fails_1002(void **state) {
  unsigned char buf[64];
  size_t n;
  (void) state;
  n = frame(buf, 0x01, "a", 1, 1);
  n += frame(buf + n, 0x82, "b", 1, 1);
  expect_fail(buf, n, 1002);
}

static void test_ws_raw_64bit_length_top_bit_fails_1002(void **state) {
  static const unsigned char f[] = {0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1,
                                    1,    2,    3,    4};
  (void) state;
  expect_fail(f, sizeof(f), 1002);
}

static void test_ws_raw_non_minimal_length_fails_1002(void **state) {
  static const unsigned char f[] = {0x82, 0xfe, 0, 1, 1, 2, 3, 4, 'x'};
  (void) state;
  expect_fail(f, sizeof(f), 1002);
}

static void test_ws_raw_bad_close_frames_fail_1002(void **state) {
  static const int bad[] = {0,    999,  1004, 1005, 1006, 1015,
                            1016, 2999, 5000, 65535};
  unsigned char p[2];
  size_t i;
  (void) state;
  expect_frame_fails(0x88, "\x03", 1, 1002);  // 1-byte payload
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    p[0] = (unsigned char) (bad[i] >> 8), p[1] = (unsigned char) bad[i];
    expect_frame_fails(0x88, p, 2, 1002);
  }
}

static void test_ws_raw_invalid_utf8_fails_1007(void **state) {
  unsigned char buf[64];
  size_t n;
  (void) state;
  expect_frame_fails(0x81, "\xed\xa0\x80", 3, 1007);      // Surrogate
  expect_frame_fails(0x81, "\xc0\xaf", 2, 1007);          // Overlong
  expect_frame_fails(0x81, "\xf4\x90\x80\x80", 4, 1007);  // > U+10FFFF
  expect_frame_fails(0x81, "\xe2\x82", 2, 1007);          // Truncated
  expect_frame_fails(0x88, "\x03\xe8\xff", 3, 1007);      // Close reason
  // Split across fragments: valid start, invalid continuation.
  n = frame(buf, 0x01, "\xe2\x82", 2, 1);
  n += frame(buf + n, 0x80, "(", 1, 1);
  expect_fail(buf, n, 1007);
}

// Sends bytes on a handshaken raw socket; expects exactly want back.
static void expect_reply(const void *bytes, size_t n, const void *want,
                         size_t want_len) {
  struct ctx *c = ctx_new();
  int fd = raw_ws(c), closed;
  unsigned char got[300];
  raw_send(&c->mgr, fd, (const char *) bytes, n);
  assert_int_equal(raw_read(&c->mgr, fd, got, want_len, &closed, 5),
                   want_len);
  assert_memory_equal(got, want, want_len);
  close(fd);
  ctx_free(c);
}

static void test_ws_raw_ping_pong_and_control_between_fragments(void **state) {
  unsigned char buf[128];
  size_t n;
  (void) state;
  n = frame(buf, 0x89, "abc", 3, 1);
  expect_reply(buf, n, "\x8a\x03" "abc", 5);
  // An unsolicited pong is ignored: only the echo of "x" comes back.
  n = frame(buf, 0x8a, "zz", 2, 1);
  n += frame(buf + n, 0x81, "x", 1, 1);
  expect_reply(buf, n, "\x81\x01x", 3);
  // Ping between fragments: the pong, then the whole message.
  n = frame(buf, 0x01, "He", 2, 1);
  n += frame(buf + n, 0x89, "p", 1, 1);
  n += frame(buf + n, 0x80, "llo", 3, 1);
  expect_reply(buf, n, "\x8a\x01p\x81\x05Hello", 10);
}

static void test_ws_raw_close_echoed_then_tcp_closed(void **state) {
  static const int good[] = {1000, 1003, 1007, 1011, 1014, 3000, 4999};
  unsigned char buf[32], p[2], got[8];
  size_t i, n;
  int fd, closed;
  (void) state;
  for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
    struct ctx *c = ctx_new();
    fd = raw_ws(c);
    p[0] = (unsigned char) (good[i] >> 8), p[1] = (unsigned char) good[i];
    n = frame(buf, 0x88, p, 2, 1);
    raw_send(&c->mgr, fd, (const char *) buf, n);
    assert_int_equal(raw_read(&c->mgr, fd, got, 4, &closed, 5), 4);
    assert_memory_equal(got, "\x88\x02", 2);
    assert_memory_equal(got + 2, p, 2);
    assert_true(raw_wait_closed(&c->mgr, fd));
    assert_int_equal(c->srv_controls, 1);
    close(fd);
    ctx_free(c);
  }
}

// ---- Handshake failures -------------------------------------------------------------

static void expect_status(const char *request, const char *status,
                          const char *header) {
  struct ctx *c = ctx_new();
  char buf[2048];
  int fd = raw_request(c, request, buf, sizeof(buf));
  assert_memory_equal(buf, status, strlen(status));
  if (header != NULL) assert_non_null(strstr(buf, header));
  assert_true(raw_wait_closed(&c->mgr, fd));
  assert_int_equal(c->srv_done, 0);
  close(fd);
  ctx_free(c);
}

static void test_ws_handshake_without_key_is_400(void **state) {
  (void) state;
  expect_status(UPGRADE_HEAD("GET", V13), "HTTP/1.1 400 ", NULL);
  expect_status(UPGRADE_HEAD("GET", V13 "Sec-WebSocket-Key: abc\r\n"),
                "HTTP/1.1 400 ", NULL);
}

static void test_ws_handshake_version_8_is_426(void **state) {
  (void) state;
  expect_status(UPGRADE_HEAD("GET", "Sec-WebSocket-Version: 8\r\n" KEY),
                "HTTP/1.1 426 ", "\r\nSec-WebSocket-Version: 13\r\n");
}

static void test_ws_handshake_post_is_405(void **state) {
  (void) state;
  expect_status(UPGRADE_HEAD("POST", V13 KEY), "HTTP/1.1 405 ",
                "\r\nAllow: GET\r\n");
}

static void test_ws_handshake_subprotocol_echo_raw(void **state) {
  struct ctx *c = ctx_new();
  char buf[1024];
  int fd = raw_request(
      c, UPGRADE_HEAD("GET", V13 KEY "Sec-WebSocket-Protocol: a, b\r\n"
                                     "Sec-WebSocket-Extensions: "
                                     "permessage-deflate\r\n"),
      buf, sizeof(buf));
  (void) state;
  assert_memory_equal(buf, "HTTP/1.1 101 ", 13);
  assert_non_null(strstr(buf, "\r\nSec-WebSocket-Protocol: a\r\n"));
  assert_null(strstr(buf, "Extensions"));
  close(fd);
  ctx_free(c);
}

static void test_ws_frames_right_behind_handshake(void **state) {
  struct ctx *c = ctx_new();
  char req[512], got[16];
  size_t n = strlen(UPGRADE_HEAD("GET", V13 KEY));
  int fd = raw_connect(c->port), closed;
  (void) state;
  memcpy(req, UPGRADE_HEAD("GET", V13 KEY), n);
  n += frame((unsigned char *) req + n, 0x81, "early", 5, 1);
  raw_send(&c->mgr, fd, req, n);
  n = raw_recv(&c->mgr, fd, req, sizeof(req), 1, &closed, 5);
  assert_true(poll_flag(&c->mgr, &c->srv_frames, 5));
  assert_int_equal(c->srv_len, 5);
  assert_memory_equal(c->srv_data, "early", 5);
  // The echo follows the 101 (maybe already read with it).
  if (memcmp(req + n - 7, "\x81\x05" "early", 7) != 0) {
    assert_int_equal(raw_read(&c->mgr, fd, (unsigned char *) got, 7, &closed,
                              5), 7);
    assert_memory_equal(got, "\x81\x05" "early", 7);
  }
  close(fd);
  ctx_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ws_echo_text_and_binary),
      cmocka_unit_test(test_ws_client_ipv6_literal),
      cmocka_unit_test(test_ws_echo_large_message),
      cmocka_unit_test(test_ws_dont_fin_fragments_reassembled),
      cmocka_unit_test(test_ws_no_defrag_delivers_fragments),
      cmocka_unit_test(test_ws_ping_gets_pong_with_payload),
      cmocka_unit_test(test_ws_client_starts_close_code_echoed),
      cmocka_unit_test(test_ws_server_starts_close_code_echoed),
      cmocka_unit_test(test_ws_handler_refuses_handshake),
      cmocka_unit_test(test_ws_subprotocol_echoed_only_if_offered),
      cmocka_unit_test(test_ws_connect_to_closed_port_reports_close),
      cmocka_unit_test(test_ws_raw_unmasked_frame_fails_1002),
      cmocka_unit_test(test_ws_raw_rsv_bits_fail_1002),
      cmocka_unit_test(test_ws_raw_reserved_opcodes_fail_1002),
      cmocka_unit_test(test_ws_raw_bad_control_frames_fail_1002),
      cmocka_unit_test(test_ws_raw_continuation_without_start_fails_1002),
      cmocka_unit_test(test_ws_raw_new_message_in_fragmented_fails_1002),
      cmocka_unit_test(test_ws_raw_64bit_length_top_bit_fails_1002),
      cmocka_unit_test(test_ws_raw_non_minimal_length_fails_1002),
      cmocka_unit_test(test_ws_raw_bad_close_frames_fail_1002),
      cmocka_unit_test(test_ws_raw_invalid_utf8_fails_1007),
      cmocka_unit_test(test_ws_raw_ping_pong_and_control_between_fragments),
      cmocka_unit_test(test_ws_raw_close_echoed_then_tcp_closed),
      cmocka_unit_test(test_ws_handshake_without_key_is_400),
      cmocka_unit_test(test_ws_handshake_version_8_is_426),
      cmocka_unit_test(test_ws_handshake_post_is_405),
      cmocka_unit_test(test_ws_handshake_subprotocol_echo_raw),
      cmocka_unit_test(test_ws_frames_right_behind_handshake),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
