// HTTP server timeouts, with short limits compiled in: this test builds
// mongoose.c itself instead of linking the shared test object.
#define MG_HTTP_HEADER_TIMEOUT 1
#define MG_HTTP_IDLE_TIMEOUT 2
#include "../../mongoose.c"
#include "net_util.h"

static struct mg_connection *s_late;

static void handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  if (ev == MG_EV_HTTP_REQUEST) {
    if (mg_vcmp(&hm->uri, "/late") == 0) {
      s_late = nc;  // Answered after both timeouts have passed
      mg_set_timer(nc, mg_time() + 3.5);
    } else {
      mg_send_head(nc, 200, 2, NULL);
      mg_send(nc, "ok", 2);
    }
  } else if (ev == MG_EV_TIMER && nc == s_late) {
    mg_send_head(nc, 200, 4, NULL);
    mg_send(nc, "late", 4);
  }
}

static int start(struct mg_mgr *mgr) {
  struct mg_connection *lc;
  mg_mgr_init(mgr, NULL);
  lc = mg_bind(mgr, "127.0.0.1:0", handler);
  assert_non_null(lc);
  mg_set_protocol_http_websocket(lc);
  return conn_port(lc);
}

static void test_http_unfinished_head_gets_408_after_timeout(void **state) {
  struct mg_mgr mgr;
  char buf[1024];
  int port = start(&mgr), stalled, fd, closed;
  double t0 = mg_time();
  (void) state;
  stalled = raw_connect(port);
  raw_sends(&mgr, stalled, "GET / HTTP/1.1\r\nHo");
  // Meanwhile another client is served at once.
  fd = raw_connect(port);
  raw_sends(&mgr, fd, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  raw_recv(&mgr, fd, buf, sizeof(buf), 1, &closed, 5);
  assert_non_null(strstr(buf, "\r\n\r\nok"));
  assert_true(mg_time() - t0 < 1);
  raw_recv(&mgr, stalled, buf, sizeof(buf), 0, &closed, 10);
  assert_int_equal(closed, 1);
  assert_memory_equal(buf, "HTTP/1.1 408 ", 13);
  assert_true(mg_time() - t0 >= 1);
  close(stalled);
  close(fd);
  mg_mgr_free(&mgr);
}

static void test_http_idle_keep_alive_connection_closed(void **state) {
  struct mg_mgr mgr;
  char buf[1024];
  int port = start(&mgr), fd, closed;
  double t0;
  (void) state;
  fd = raw_connect(port);
  raw_sends(&mgr, fd, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  raw_recv(&mgr, fd, buf, sizeof(buf), 1, &closed, 5);
  assert_int_equal(closed, 0);
  t0 = mg_time();
  raw_recv(&mgr, fd, buf, sizeof(buf), 0, &closed, 10);
  assert_int_equal(closed, 1);
  assert_int_equal(buf[0], '\0');  // Closed quietly, nothing sent
  assert_true(mg_time() - t0 >= 1);
  close(fd);
  mg_mgr_free(&mgr);
}

static void test_http_silent_connection_closed(void **state) {
  struct mg_mgr mgr;
  char buf[64];
  int port = start(&mgr), fd, closed;
  (void) state;
  // Connects and never sends a byte: closed after the idle timeout.
  fd = raw_connect(port);
  raw_recv(&mgr, fd, buf, sizeof(buf), 0, &closed, 10);
  assert_int_equal(closed, 1);
  assert_int_equal(buf[0], '\0');
  close(fd);
  mg_mgr_free(&mgr);
}

static void test_http_slow_handler_is_not_timed_out(void **state) {
  struct mg_mgr mgr;
  char buf[1024];
  int port = start(&mgr), fd, closed;
  (void) state;
  fd = raw_connect(port);
  raw_sends(&mgr, fd, "GET /late HTTP/1.1\r\nHost: h\r\n\r\n");
  raw_recv(&mgr, fd, buf, sizeof(buf), 1, &closed, 10);
  assert_int_equal(closed, 0);
  assert_non_null(strstr(buf, "\r\n\r\nlate"));
  close(fd);
  mg_mgr_free(&mgr);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_http_unfinished_head_gets_408_after_timeout),
      cmocka_unit_test(test_http_idle_keep_alive_connection_closed),
      cmocka_unit_test(test_http_silent_connection_closed),
      cmocka_unit_test(test_http_slow_handler_is_not_timed_out),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
