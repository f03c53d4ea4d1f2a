// HTTP server timeouts, with short limits compiled in: this test builds
// mongoose.c itself instead of linking the shared test object.
#define MG_HTTP_HEADER_TIMEOUT 1
#define MG_HTTP_IDLE_TIMEOUT 2
#include "../../mongoose.c"
#include "net_util.h"

static struct mg_connection *s_late;
static const char *s_docroot;  // For /files/..., served by mg_serve_http()

static void handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  if (ev == MG_EV_HTTP_REQUEST) {
    if (s_docroot != NULL &&
        mg_strncmp(hm->uri, mg_mk_str("/files/"), 7) == 0) {
      struct mg_serve_http_opts opts;
      memset(&opts, 0, sizeof(opts));
      opts.document_root = s_docroot;
      hm->uri.p += 6;
      hm->uri.len -= 6;
      mg_serve_http(nc, hm, opts);
    } else if (mg_vcmp(&hm->uri, "/late") == 0) {
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

// The most the server's connections (not the listener) hold in send_mbuf,
// and how many there are.
static size_t served_conns(struct mg_mgr *mgr, size_t *max_queued) {
  struct mg_connection *c;
  size_t n = 0;
  for (c = mg_next(mgr, NULL); c != NULL; c = mg_next(mgr, c)) {
    if (c->flags & MG_F_LISTENING) continue;
    n++;
    if (c->send_mbuf.len > *max_queued) *max_queued = c->send_mbuf.len;
  }
  return n;
}

// A client that asks for a large file and never reads: the server queues
// a bounded amount, then closes the connection when nothing has moved for
// the idle timeout, though the file is not sent yet.
static void test_http_never_read_download_closed_by_idle_timeout(void **state) {
  struct mg_mgr mgr;
  char dir[] = "/tmp/mg_idle_XXXXXX", path[64];
  size_t max_queued = 0;
  int port, fd, i, fp;
  double t0, closed_at = 0;
  (void) state;
  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof(path), "%s/big.bin", dir);
  fp = open(path, O_CREAT | O_WRONLY, 0644);
  assert_true(fp >= 0);
  assert_int_equal(ftruncate(fp, 256L << 20), 0);  // Sparse: no disk used
  close(fp);
  s_docroot = dir;
  port = start(&mgr);
  fd = raw_connect(port);
  raw_sends(&mgr, fd, "GET /files/big.bin HTTP/1.1\r\nHost: h\r\n\r\n");
  t0 = mg_time();
  for (i = 0; i < 2000 && closed_at == 0; i++) {
    mg_mgr_poll(&mgr, 5);
    if (served_conns(&mgr, &max_queued) == 0) closed_at = mg_time();
  }
  assert_true(closed_at > 0);
  assert_true(closed_at - t0 >= 1.5);  // Not before the idle timeout
  assert_true(max_queued <= 256 * 1024);
  close(fd);
  mg_mgr_free(&mgr);
  s_docroot = NULL;
  unlink(path);
  rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_http_unfinished_head_gets_408_after_timeout),
      cmocka_unit_test(test_http_idle_keep_alive_connection_closed),
      cmocka_unit_test(test_http_silent_connection_closed),
      cmocka_unit_test(test_http_slow_handler_is_not_timed_out),
      cmocka_unit_test(test_http_never_read_download_closed_by_idle_timeout),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
