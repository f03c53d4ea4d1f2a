// WebSocket limits and timers, with small values compiled in: this test
// builds mongoose.c itself instead of linking the shared test object.
// Message limit 1000 bytes (1009 above it), a ping after 1 s of silence,
// and 1 s to wait for the peer's close frame.
#define MG_MAX_WEBSOCKET_MESSAGE 1000
#define MG_WEBSOCKET_PING_INTERVAL 1
#define MG_WEBSOCKET_CLOSE_WAIT 1
#include "../../mongoose.c"
#include "net_util.h"

struct ctx {
  struct mg_mgr mgr;
  int port, frames, no_defrag;
  size_t last_len;
};

static void handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct ctx *c = (struct ctx *) nc->mgr->user_data;
  struct websocket_message *wm = (struct websocket_message *) ev_data;
  if (ev == MG_EV_WEBSOCKET_HANDSHAKE_DONE && c->no_defrag) {
    nc->flags |= MG_F_WEBSOCKET_NO_DEFRAG;
  } else if (ev == MG_EV_WEBSOCKET_FRAME) {
    c->frames++;
    c->last_len = wm->size;
    if (wm->size == 8 && memcmp(wm->data, "close me", 8) == 0) {
      mg_send_websocket_frame(nc, WEBSOCKET_OP_CLOSE, "\x03\xe8", 2);
    }
  }
}

static struct ctx *ctx_new(void) {
  struct ctx *c = (struct ctx *) calloc(1, sizeof(*c));
  struct mg_connection *lc;
  assert_non_null(c);
  mg_mgr_init(&c->mgr, c);
  lc = mg_bind(&c->mgr, "127.0.0.1:0", handler);
  assert_non_null(lc);
  mg_set_protocol_http_websocket(lc);
  c->port = conn_port(lc);
  return c;
}

static void ctx_free(struct ctx *c) {
  mg_mgr_free(&c->mgr);
  free(c);
}

// Reads until n bytes, the peer's close, or seconds pass.
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

// A raw socket that completed the handshake.
static int raw_ws(struct ctx *c) {
  char buf[1024];
  int fd = raw_connect(c->port), closed;
  raw_sends(&c->mgr, fd,
            "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
  raw_recv(&c->mgr, fd, buf, sizeof(buf), 1, &closed, 5);
  assert_memory_equal(buf, "HTTP/1.1 101 ", 13);
  return fd;
}

// Sends a masked frame (key 0: the payload goes as is) of len bytes.
static void send_frame(struct ctx *c, int fd, int b0, size_t len) {
  unsigned char *buf = (unsigned char *) calloc(1, len + 8);
  size_t n = 2;
  assert_non_null(buf);
  buf[0] = (unsigned char) b0;
  if (len < 126) {
    buf[1] = (unsigned char) (0x80 | len);
  } else {
    buf[1] = 0x80 | 126, buf[2] = (unsigned char) (len >> 8);
    buf[3] = (unsigned char) len, n = 4;
  }
  n += 4;  // A zero masking key
  memset(buf + n, 'a', len);
  raw_send(&c->mgr, fd, (const char *) buf, n + len);
  free(buf);
}

// Expects a close frame with code and then the TCP close.
static void expect_close(struct ctx *c, int fd, int code) {
  unsigned char got[4], junk[64];
  int closed = 0;
  double deadline = mg_time() + 5;
  assert_int_equal(raw_read(&c->mgr, fd, got, 4, &closed, 5), 4);
  assert_int_equal(got[0], 0x88);
  assert_int_equal(got[1], 2);
  assert_int_equal(got[2] << 8 | got[3], code);
  while (!closed && mg_time() < deadline) {
    raw_read(&c->mgr, fd, junk, sizeof(junk), &closed, 0.05);
  }
  assert_true(closed);
}

static void test_ws_message_at_limit_accepted(void **state) {
  struct ctx *c = ctx_new();
  int fd = raw_ws(c);
  (void) state;
  send_frame(c, fd, 0x82, 1000);
  assert_true(poll_flag(&c->mgr, &c->frames, 5));
  assert_int_equal(c->last_len, 1000);
  close(fd);
  ctx_free(c);
}

static void test_ws_frame_over_limit_fails_1009(void **state) {
  struct ctx *c = ctx_new();
  int fd = raw_ws(c);
  (void) state;
  send_frame(c, fd, 0x82, 1001);
  expect_close(c, fd, 1009);
  assert_int_equal(c->frames, 0);
  close(fd);
  ctx_free(c);
}

static void test_ws_fragmented_message_over_limit_fails_1009(void **state) {
  struct ctx *c = ctx_new();
  int fd = raw_ws(c);
  (void) state;
  send_frame(c, fd, 0x01, 600);
  send_frame(c, fd, 0x80, 401);
  expect_close(c, fd, 1009);
  assert_int_equal(c->frames, 0);
  close(fd);
  ctx_free(c);
}

static void test_ws_no_defrag_limits_each_frame(void **state) {
  struct ctx *c = ctx_new();
  int fd;
  (void) state;
  c->no_defrag = 1;
  fd = raw_ws(c);
  send_frame(c, fd, 0x02, 600);
  send_frame(c, fd, 0x80, 600);  // 1200 in all: fine, nothing is buffered
  assert_true(poll_until(&c->mgr, flag_is_set, &c->frames, 5));
  send_frame(c, fd, 0x82, 1001);
  expect_close(c, fd, 1009);
  assert_int_equal(c->frames, 2);
  close(fd);
  ctx_free(c);
}

static void test_ws_ping_sent_after_silence(void **state) {
  struct ctx *c = ctx_new();
  int fd = raw_ws(c), closed;
  unsigned char got[2];
  double start = mg_time();
  (void) state;
  assert_int_equal(raw_read(&c->mgr, fd, got, 2, &closed, 5), 2);
  assert_memory_equal(got, "\x89\x00", 2);
  assert_true(mg_time() - start >= 0.5);
  close(fd);
  ctx_free(c);
}

static void test_ws_peer_not_answering_close_is_dropped(void **state) {
  struct ctx *c = ctx_new();
  int fd = raw_ws(c);
  unsigned char buf[16] = {0x81, 0x88, 0, 0, 0, 0};
  double start;
  (void) state;
  memcpy(buf + 6, "close me", 8);
  raw_send(&c->mgr, fd, (const char *) buf, 14);
  start = mg_time();
  expect_close(c, fd, 1000);  // Our close, then TCP close after 1 s
  assert_true(mg_time() - start >= 0.9);
  close(fd);
  ctx_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ws_message_at_limit_accepted),
      cmocka_unit_test(test_ws_frame_over_limit_fails_1009),
      cmocka_unit_test(test_ws_fragmented_message_over_limit_fails_1009),
      cmocka_unit_test(test_ws_no_defrag_limits_each_frame),
      cmocka_unit_test(test_ws_ping_sent_after_silence),
      cmocka_unit_test(test_ws_peer_not_answering_close_is_dropped),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
