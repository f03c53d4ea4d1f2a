// Net tests for the reverse proxy's pool of keep-alive upstream
// connections. The upstream is a raw socket the test drives byte by byte
// (it counts accepted connections and sees every request), or our own
// server. Short limits are compiled in: this test builds mongoose.c itself.
#define MG_MAX_PROXY_IDLE 3
#define MG_PROXY_IDLE_TIMEOUT 1
#include "../../mongoose.c"
#include "net_util.h"

#include <arpa/inet.h>
#include <poll.h>

struct fix {
  struct mg_mgr mgr;
  int port;     // The proxy's
  int lfd;      // The raw upstream's listener
  int accepts;  // Connections the raw upstream accepted
  int be_port;  // Our server as the upstream (0: not started)
  int be_accepts, be_requests;
};

static struct fix *s_live;
static char s_rewrites[128];

static void fix_stop(struct fix *f) {
  mg_mgr_free(&f->mgr);
  if (f->lfd >= 0) close(f->lfd);
  f->lfd = -1;
  s_live = NULL;
}

static int teardown(void **state) {
  (void) state;
  if (s_live != NULL) fix_stop(s_live);
  return 0;
}

static void proxy_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct mg_serve_http_opts opts;
  if (ev != MG_EV_HTTP_REQUEST) return;
  memset(&opts, 0, sizeof(opts));
  opts.document_root = "/nonexistent-mg-docroot";
  opts.url_rewrites = s_rewrites;
  mg_serve_http(nc, (struct http_message *) ev_data, opts);
}

// Our server as an upstream: counts connections and requests, answers
// "/c<n>" with a chunked body and anything else with "got <uri>".
static void be_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct fix *f = (struct fix *) nc->mgr->user_data;
  struct http_message *hm = (struct http_message *) ev_data;
  if (ev == MG_EV_ACCEPT) f->be_accepts++;
  if (ev != MG_EV_HTTP_REQUEST) return;
  f->be_requests++;
  if (hm->uri.len > 2 && hm->uri.p[1] == 'c') {
    mg_send_head(nc, 200, -1, NULL);
    mg_send_http_chunk(nc, hm->uri.p, hm->uri.len);
    mg_send_http_chunk(nc, "", 0);
  } else {
    mg_send_head(nc, 200, (int64_t) hm->uri.len + 4, "Content-Type: x/y");
    mg_printf(nc, "got %.*s", (int) hm->uri.len, hm->uri.p);
  }
}

// Starts the proxy (forwarding /api/ to the raw upstream's port, or to
// our server if be is set) and the raw upstream's listener.
static void fix_start(struct fix *f, int be) {
  struct mg_connection *lc;
  struct sockaddr_in sin;
  socklen_t len = sizeof(sin);
  int upstream;
  memset(f, 0, sizeof(*f));
  s_live = f;
  mg_mgr_init(&f->mgr, f);
  lc = mg_bind(&f->mgr, "127.0.0.1:0", proxy_handler);
  assert_non_null(lc);
  mg_set_protocol_http_websocket(lc);
  f->port = conn_port(lc);
  f->lfd = loopback_bind(SOCK_STREAM, 0);
  assert_true(f->lfd >= 0);
  assert_int_equal(listen(f->lfd, 16), 0);
  fcntl(f->lfd, F_SETFL, fcntl(f->lfd, F_GETFL, 0) | O_NONBLOCK);
  assert_int_equal(getsockname(f->lfd, (struct sockaddr *) &sin, &len), 0);
  upstream = ntohs(sin.sin_port);
  if (be) {
    lc = mg_bind(&f->mgr, "127.0.0.1:0", be_handler);
    assert_non_null(lc);
    mg_set_protocol_http_websocket(lc);
    upstream = f->be_port = conn_port(lc);
  }
  snprintf(s_rewrites, sizeof(s_rewrites), "/api/=http://127.0.0.1:%d/",
           upstream);
}

// Accepts the next connection to the raw upstream, polling the manager;
// -1 if none comes within 5 seconds.
static int up_accept(struct fix *f) {
  double deadline = mg_time() + 5;
  int fd;
  while (mg_time() < deadline) {
    if ((fd = accept(f->lfd, NULL, NULL)) >= 0) {
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
      f->accepts++;
      return fd;
    }
    mg_mgr_poll(&f->mgr, 1);
  }
  return -1;
}

// True if a connection waits at the raw upstream's listener (it is then
// accepted and counted).
static int up_pending(struct fix *f) {
  int fd = accept(f->lfd, NULL, NULL);
  if (fd < 0) return 0;
  f->accepts++;
  close(fd);
  return 1;
}

// Reads one request head (the tests send no bodies) from the upstream fd
// (or a reply head from a client fd)
// into buf, polling the manager. Returns its length; 0 if fd closed or
// nothing came within 5 seconds.
static size_t up_read_request(struct fix *f, int fd, char *buf, size_t cap) {
  double deadline = mg_time() + 5;
  size_t n = 0;
  ssize_t k;
  while (mg_time() < deadline && n + 1 < cap) {
    mg_mgr_poll(&f->mgr, 1);
    k = recv(fd, buf + n, cap - 1 - n, 0);
    if (k == 0) break;
    if (k > 0) n += (size_t) k;
    buf[n] = '\0';
    if (strstr(buf, "\r\n\r\n") != NULL) return n;
  }
  buf[n] = '\0';
  return 0;
}

// Polls the manager for a while; returns 1 if the upstream fd was closed
// by the proxy, 0 if it is still open (nothing to read), -1 on bytes.
static int up_state_after(struct fix *f, int fd, double seconds) {
  double deadline = mg_time() + seconds;
  char c;
  ssize_t k;
  do {
    mg_mgr_poll(&f->mgr, 1);
    k = recv(fd, &c, 1, 0);
    if (k == 0) return 1;
    if (k > 0) return -1;
  } while (mg_time() < deadline);
  return 0;
}

// The number of connections in mgr.
static int mgr_count(struct mg_mgr *mgr) {
  struct mg_connection *c;
  int n = 0;
  for (c = mg_next(mgr, NULL); c != NULL; c = mg_next(mgr, c)) n++;
  return n;
}

// Sends req on the client fd and reads one response into buf.
static size_t client_exchange(struct fix *f, int fd, const char *req, char *buf,
                              size_t cap, int *closed) {
  raw_sends(&f->mgr, fd, req);
  return raw_recv(&f->mgr, fd, buf, cap, 1, closed, 5);
}

// One request through the proxy answered by the raw upstream on *up (a
// new connection is accepted if *up is -1): the upstream must see a
// keep-alive HTTP/1.1 request for path, and the client gets reply as it
// was sent.
static void round_trip(struct fix *f, int cfd, int *up, int i) {
  char req[128], want[256], buf[2048];
  int closed, n;
  snprintf(req, sizeof(req), "GET /api/r%d HTTP/1.1\r\nHost: p\r\n\r\n", i);
  raw_sends(&f->mgr, cfd, req);
  if (*up < 0) *up = up_accept(f);
  assert_true(*up >= 0);
  assert_true(up_read_request(f, *up, buf, sizeof(buf)) > 0);
  snprintf(req, sizeof(req), "GET /r%d HTTP/1.1\r\n", i);
  assert_memory_equal(buf, req, strlen(req));
  assert_null(strstr(buf, "Connection"));
  n = snprintf(want, sizeof(want),
               "HTTP/1.1 200 OK\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\n"
               "X-N: %d\r\nContent-Length: 7\r\n\r\nbody-%02d",
               i, i);
  assert_int_equal(send(*up, want, (size_t) n, MSG_NOSIGNAL), n);
  assert_int_equal(raw_recv(&f->mgr, cfd, buf, sizeof(buf), 1, &closed, 5), n);
  assert_string_equal(buf, want);
  assert_int_equal(closed, 0);
}

// Sequential requests on one client connection share one upstream
// connection: 1 accept, every request seen, every reply byte-exact.
static void test_proxy_reuses_upstream_for_sequential_requests(void **state) {
  static struct fix f;
  int cfd, up = -1, i;
  (void) state;
  fix_start(&f, 0);
  cfd = raw_connect(f.port);
  for (i = 0; i < 5; i++) round_trip(&f, cfd, &up, i);
  assert_int_equal(f.accepts, 1);
  assert_int_equal(up_pending(&f), 0);
  close(cfd);
  close(up);
  fix_stop(&f);
}

// Each client on its own connection, one after another: still one
// upstream connection (the pool is the manager's, not the client's).
static void test_proxy_reuses_upstream_across_clients(void **state) {
  static struct fix f;
  int cfd, up = -1, i;
  (void) state;
  fix_start(&f, 0);
  for (i = 0; i < 4; i++) {
    cfd = raw_connect(f.port);
    round_trip(&f, cfd, &up, i);
    close(cfd);
  }
  assert_int_equal(f.accepts, 1);
  assert_int_equal(up_pending(&f), 0);
  close(up);
  fix_stop(&f);
}

// Our own server as the upstream, chunked and Content-Length replies
// mixed: one accepted connection, six requests.
static void test_proxy_reuses_our_server_chunked_and_length(void **state) {
  static struct fix f;
  char buf[2048], req[64], want[64];
  int cfd, closed, i;
  (void) state;
  fix_start(&f, 1);
  cfd = raw_connect(f.port);
  for (i = 0; i < 6; i++) {
    snprintf(req, sizeof(req), "GET /api/%c%d HTTP/1.1\r\nHost: p\r\n\r\n",
             i % 2 ? 'c' : 'l', i);
    client_exchange(&f, cfd, req, buf, sizeof(buf), &closed);
    assert_int_equal(closed, 0);
    assert_memory_equal(buf, "HTTP/1.1 200 OK\r\n", 17);
    if (i % 2) {
      snprintf(want, sizeof(want), "\r\n\r\n3\r\n/c%d\r\n0\r\n\r\n", i);
    } else {
      snprintf(want, sizeof(want), "\r\n\r\ngot /l%d", i);
    }
    assert_non_null(strstr(buf, want));
    assert_string_equal(strstr(buf, want), want);
  }
  assert_int_equal(f.be_requests, 6);
  assert_int_equal(f.be_accepts, 1);
  close(cfd);
  fix_stop(&f);
}

// A HEAD reply keeps its Content-Length but has no body, as do 304 and
// 204: the proxy must not wait for body bytes, and the connection stays
// in step for the next request (one accept for all five).
static void test_proxy_reuses_after_bodiless_replies(void **state) {
  static const char *const reqs[] = {
      "HEAD /api/h HTTP/1.1\r\nHost: p\r\n\r\n",
      "GET /api/n HTTP/1.1\r\nHost: p\r\nIf-None-Match: \"e\"\r\n\r\n",
      "DELETE /api/d HTTP/1.1\r\nHost: p\r\n\r\n",
  };
  static const char *const reps[] = {
      "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n",
      "HTTP/1.1 304 Not Modified\r\nETag: \"e\"\r\nContent-Length: 7\r\n\r\n",
      "HTTP/1.1 204 No Content\r\n\r\n",
  };
  static struct fix f;
  char buf[2048];
  int cfd, up = -1, i;
  (void) state;
  fix_start(&f, 0);
  cfd = raw_connect(f.port);
  round_trip(&f, cfd, &up, 0);
  for (i = 0; i < 3; i++) {
    raw_sends(&f.mgr, cfd, reqs[i]);
    assert_true(up_read_request(&f, up, buf, sizeof(buf)) > 0);
    assert_memory_equal(buf, reqs[i], 4);
    assert_int_equal(send(up, reps[i], strlen(reps[i]), MSG_NOSIGNAL),
                     (int) strlen(reps[i]));
    // Only the head comes (raw_recv would wait for the 7 bytes).
    assert_true(up_read_request(&f, cfd, buf, sizeof(buf)) > 0);
    assert_memory_equal(buf, reps[i], 12);
    assert_string_equal(strstr(buf, "\r\n\r\n"), "\r\n\r\n");
  }
  round_trip(&f, cfd, &up, 1);
  assert_int_equal(f.accepts, 1);
  assert_int_equal(up_pending(&f), 0);
  close(cfd);
  close(up);
  fix_stop(&f);
}

// An upstream that says "Connection: close", or answers as HTTP/1.0, or
// ends the body by closing, is not reused: a new connection per request.
static void test_proxy_does_not_reuse_closing_upstream(void **state) {
  static const char *const replies[] = {
      "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
      "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
      "HTTP/1.1 200 OK\r\n\r\nok",
  };
  static struct fix f;
  char buf[2048];
  int cfd, up, closed, i;
  size_t n;
  (void) state;
  fix_start(&f, 0);
  cfd = raw_connect(f.port);
  for (i = 0; i < 6; i++) {
    const char *r = replies[i % 3];
    raw_sends(&f.mgr, cfd, "GET /api/x HTTP/1.1\r\nHost: p\r\n\r\n");
    up = up_accept(&f);
    assert_true(up >= 0);
    assert_true(up_read_request(&f, up, buf, sizeof(buf)) > 0);
    assert_int_equal(send(up, r, strlen(r), MSG_NOSIGNAL), (int) strlen(r));
    if (i % 3 == 2) {
      close(up);  // The close ends the body
    } else {
      // The proxy closes it once the reply is through.
      n = raw_recv(&f.mgr, cfd, buf, sizeof(buf), 1, &closed, 5);
      assert_true(n > 0);
      assert_int_equal(up_state_after(&f, up, 5), 1);
      close(up);
    }
    if (i % 3 == 2) {
      // Chunked to the client: the relayed body ends with the last chunk.
      n = raw_recv(&f.mgr, cfd, buf, sizeof(buf), 1, &closed, 5);
      assert_non_null(strstr(buf, "\r\n\r\n2\r\nok\r\n0\r\n\r\n"));
    } else {
      assert_non_null(strstr(buf, "\r\n\r\nok"));
    }
    assert_int_equal(closed, 0);
  }
  assert_int_equal(f.accepts, 6);
  close(cfd);
  fix_stop(&f);
}

// A parked upstream the server closes leaves the pool; the next request
// opens a new connection and succeeds.
static void test_proxy_drops_idle_upstream_closed_by_server(void **state) {
  static struct fix f;
  int cfd, up = -1;
  double deadline;
  (void) state;
  fix_start(&f, 0);
  cfd = raw_connect(f.port);
  round_trip(&f, cfd, &up, 0);
  assert_int_equal(mgr_count(&f.mgr), 3);  // With the parked upstream
  close(up);
  up = -1;
  // The proxy's listener and the client's connection remain once the
  // parked upstream is gone.
  deadline = mg_time() + 5;
  while (mgr_count(&f.mgr) > 2 && mg_time() < deadline) {
    mg_mgr_poll(&f.mgr, 1);
  }
  assert_int_equal(mgr_count(&f.mgr), 2);
  round_trip(&f, cfd, &up, 1);
  assert_int_equal(f.accepts, 2);
  round_trip(&f, cfd, &up, 2);  // And that one is reused in turn
  assert_int_equal(f.accepts, 2);
  close(cfd);
  close(up);
  fix_stop(&f);
}

// The race: the server drops a reused connection just as the request
// arrives, before any reply byte. The proxy sends the same request once
// more on a new connection, and the client sees only the reply.
static void test_proxy_retries_get_when_reused_upstream_closes(void **state) {
  static struct fix f;
  char first[1024], again[1024], buf[2048];
  const char *r = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nretry";
  int cfd, up = -1, closed;
  size_t n;
  (void) state;
  fix_start(&f, 0);
  cfd = raw_connect(f.port);
  round_trip(&f, cfd, &up, 0);
  raw_sends(&f.mgr, cfd, "GET /api/again?q=1 HTTP/1.1\r\nHost: p\r\n\r\n");
  n = up_read_request(&f, up, first, sizeof(first));  // On the reused one
  assert_true(n > 0);
  close(up);
  up = up_accept(&f);
  assert_true(up >= 0);
  assert_int_equal(up_read_request(&f, up, again, sizeof(again)), n);
  assert_string_equal(again, first);
  assert_memory_equal(again, "GET /again?q=1 HTTP/1.1\r\n", 25);
  assert_int_equal(send(up, r, strlen(r), MSG_NOSIGNAL), (int) strlen(r));
  raw_recv(&f.mgr, cfd, buf, sizeof(buf), 1, &closed, 5);
  assert_memory_equal(buf, "HTTP/1.1 200 OK\r\n", 17);
  assert_non_null(strstr(buf, "\r\n\r\nretry"));
  assert_int_equal(closed, 0);
  assert_int_equal(f.accepts, 2);
  close(cfd);
  close(up);
  fix_stop(&f);
}

// Once a reply byte came, a reused upstream that closes is not retried:
// the request may have been acted on. The client's reply is cut.
static void test_proxy_no_retry_after_reply_bytes(void **state) {
  static struct fix f;
  char buf[2048];
  int cfd, up = -1, closed;
  (void) state;
  fix_start(&f, 0);
  cfd = raw_connect(f.port);
  round_trip(&f, cfd, &up, 0);
  raw_sends(&f.mgr, cfd, "GET /api/x HTTP/1.1\r\nHost: p\r\n\r\n");
  assert_true(up_read_request(&f, up, buf, sizeof(buf)) > 0);
  assert_int_equal(send(up, "HTTP/1.1 2", 10, MSG_NOSIGNAL), 10);
  assert_int_equal(up_state_after(&f, up, 0.2), 0);
  close(up);
  assert_int_equal(raw_recv(&f.mgr, cfd, buf, sizeof(buf), 1, &closed, 5), 0);
  assert_int_equal(closed, 1);
  assert_int_equal(up_pending(&f), 0);
  assert_int_equal(f.accepts, 1);
  close(cfd);
  fix_stop(&f);
}

// A POST is never sent on a reused connection (it could not be retried):
// it gets a new one while the parked upstream waits, untouched.
static void test_proxy_post_goes_on_new_connection(void **state) {
  static struct fix f;
  char buf[2048];
  const char *r = "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
  int cfd, up = -1, up2, closed;
  (void) state;
  fix_start(&f, 0);
  cfd = raw_connect(f.port);
  round_trip(&f, cfd, &up, 0);
  raw_sends(&f.mgr, cfd,
            "POST /api/p HTTP/1.1\r\nHost: p\r\nContent-Length: 2\r\n\r\nhi");
  up2 = up_accept(&f);
  assert_true(up2 >= 0);
  assert_true(up_read_request(&f, up2, buf, sizeof(buf)) > 0);
  assert_memory_equal(buf, "POST /p HTTP/1.1\r\n", 18);
  assert_int_equal(up_state_after(&f, up, 0.05), 0);  // Nothing sent there
  assert_int_equal(send(up2, r, strlen(r), MSG_NOSIGNAL), (int) strlen(r));
  raw_recv(&f.mgr, cfd, buf, sizeof(buf), 1, &closed, 5);
  assert_memory_equal(buf, "HTTP/1.1 201 Created\r\n", 22);
  // Both are parked now; the next GET takes one of them.
  raw_sends(&f.mgr, cfd, "GET /api/g HTTP/1.1\r\nHost: p\r\n\r\n");
  assert_int_equal(up_state_after(&f, up, 0.5) + up_state_after(&f, up2, 0.5),
                   -1);
  assert_int_equal(f.accepts, 2);
  close(cfd);
  close(up);
  close(up2);
  fix_stop(&f);
}

// At most MG_MAX_PROXY_IDLE (3 here) upstreams are parked: of five
// concurrent requests' connections, two are closed after their replies.
static void test_proxy_pool_limit_closes_extra_upstreams(void **state) {
  static struct fix f;
  char buf[2048];
  const char *r = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz";
  int cfd[5], up[5], i, open_ = 0, shut = 0, closed, s;
  (void) state;
  fix_start(&f, 0);
  for (i = 0; i < 5; i++) {
    cfd[i] = raw_connect(f.port);
    raw_sends(&f.mgr, cfd[i], "GET /api/x HTTP/1.1\r\nHost: p\r\n\r\n");
    up[i] = up_accept(&f);
    assert_true(up[i] >= 0);
    assert_true(up_read_request(&f, up[i], buf, sizeof(buf)) > 0);
  }
  for (i = 0; i < 5; i++) {
    assert_int_equal(send(up[i], r, strlen(r), MSG_NOSIGNAL), (int) strlen(r));
    raw_recv(&f.mgr, cfd[i], buf, sizeof(buf), 1, &closed, 5);
    assert_non_null(strstr(buf, "\r\n\r\nz"));
  }
  for (i = 0; i < 5; i++) {
    s = up_state_after(&f, up[i], 0.1);
    if (s == 1) shut++;
    if (s == 0) open_++;
  }
  assert_int_equal(open_, MG_MAX_PROXY_IDLE);
  assert_int_equal(shut, 5 - MG_MAX_PROXY_IDLE);
  for (i = 0; i < 5; i++) {
    close(cfd[i]);
    close(up[i]);
  }
  fix_stop(&f);
}

// A parked upstream is closed after MG_PROXY_IDLE_TIMEOUT (1 s here), and
// the next request opens a new one.
static void test_proxy_idle_timeout_closes_parked_upstream(void **state) {
  static struct fix f;
  int cfd, up = -1;
  double t0;
  (void) state;
  fix_start(&f, 0);
  cfd = raw_connect(f.port);
  round_trip(&f, cfd, &up, 0);
  t0 = mg_time();
  assert_int_equal(up_state_after(&f, up, 0.3), 0);
  assert_int_equal(up_state_after(&f, up, 5), 1);
  assert_true(mg_time() - t0 >= 0.5);
  close(up);
  up = -1;
  round_trip(&f, cfd, &up, 1);
  assert_int_equal(f.accepts, 2);
  close(cfd);
  close(up);
  fix_stop(&f);
}

// An upstream that sends bytes while parked is dropped.
static void test_proxy_drops_idle_upstream_sending_bytes(void **state) {
  static struct fix f;
  int cfd, up = -1;
  (void) state;
  fix_start(&f, 0);
  cfd = raw_connect(f.port);
  round_trip(&f, cfd, &up, 0);
  assert_int_equal(send(up, "HTTP/1.1 200 OK\r\n", 17, MSG_NOSIGNAL), 17);
  assert_int_equal(up_state_after(&f, up, 5), 1);
  close(up);
  up = -1;
  round_trip(&f, cfd, &up, 1);
  assert_int_equal(f.accepts, 2);
  close(cfd);
  close(up);
  fix_stop(&f);
}

// mg_mgr_free() with parked upstreams closes and frees them (ASan checks
// the leak side).
static void test_proxy_mgr_free_closes_parked_upstreams(void **state) {
  static struct fix f;
  int cfd[2], up[2] = {-1, -1}, i;
  char c;
  (void) state;
  fix_start(&f, 0);
  for (i = 0; i < 2; i++) {  // One after the other: accepted in order
    char buf[1024];
    cfd[i] = raw_connect(f.port);
    raw_sends(&f.mgr, cfd[i], "GET /api/a HTTP/1.1\r\nHost: p\r\n\r\n");
    up[i] = up_accept(&f);
    assert_true(up[i] >= 0);
    assert_true(up_read_request(&f, up[i], buf, sizeof(buf)) > 0);
  }
  for (i = 0; i < 2; i++) {
    char buf[1024];
    int closed;
    const char *r = "HTTP/1.1 204 No Content\r\n\r\n";
    assert_int_equal(send(up[i], r, strlen(r), MSG_NOSIGNAL), (int) strlen(r));
    raw_recv(&f.mgr, cfd[i], buf, sizeof(buf), 1, &closed, 5);
    assert_memory_equal(buf, "HTTP/1.1 204 No Content\r\n", 25);
  }
  assert_int_equal(up_state_after(&f, up[0], 0.05), 0);
  assert_int_equal(up_state_after(&f, up[1], 0.05), 0);
  fix_stop(&f);
  for (i = 0; i < 2; i++) {
    struct pollfd pfd;
    pfd.fd = up[i];
    pfd.events = POLLIN;
    assert_int_equal(poll(&pfd, 1, 2000), 1);
    assert_int_equal(recv(up[i], &c, 1, 0), 0);
    close(up[i]);
    close(cfd[i]);
  }
}

#define T(test) cmocka_unit_test_teardown(test, teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(test_proxy_reuses_upstream_for_sequential_requests),
      T(test_proxy_reuses_upstream_across_clients),
      T(test_proxy_reuses_our_server_chunked_and_length),
      T(test_proxy_reuses_after_bodiless_replies),
      T(test_proxy_does_not_reuse_closing_upstream),
      T(test_proxy_drops_idle_upstream_closed_by_server),
      T(test_proxy_retries_get_when_reused_upstream_closes),
      T(test_proxy_no_retry_after_reply_bytes),
      T(test_proxy_post_goes_on_new_connection),
      T(test_proxy_pool_limit_closes_extra_upstreams),
      T(test_proxy_idle_timeout_closes_parked_upstream),
      T(test_proxy_drops_idle_upstream_sending_bytes),
      T(test_proxy_mgr_free_closes_parked_upstreams),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
