// 6.18 behaviours of the core and the HTTP layer that 6.x programs rely on:
// mg_broadcast() waits until its callbacks ran (bounded), a connection
// without a socket lives on timers, a host name reaches the handler as a
// failed MG_EV_CONNECT, a NULL user handler is allowed on HTTP connections,
// and endpoints see MG_EV_CLOSE. A short broadcast timeout is compiled in:
// this test builds mongoose.c itself.
#define MG_BROADCAST_TIMEOUT_MS 300
#include "../../mongoose.c"
#include "net_util.h"

// ---- mg_broadcast() waits for its own message ------------------------------

#define BW_THREADS 4
#define BW_PER_THREAD 50

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static int s_delivered[BW_THREADS];  // Messages whose callback ran, per thread
static int s_early[BW_THREADS];      // Returns that came before the callback

// Runs in the poll thread once per connection: counts a message once.
static void bw_cb(struct mg_connection *nc, int ev, void *ev_data) {
  const int *msg = (const int *) ev_data;
  (void) ev;
  if (nc != mg_next(nc->mgr, NULL)) return;  // Once per message
  pthread_mutex_lock(&s_lock);
  if (msg[0] >= 0 && msg[0] < BW_THREADS && s_delivered[msg[0]] == msg[1]) {
    s_delivered[msg[0]]++;
  }
  pthread_mutex_unlock(&s_lock);
}

struct bw_thread {
  struct mg_mgr *mgr;
  int id;
};

static void *bw_thread_fn(void *arg) {
  struct bw_thread *t = (struct bw_thread *) arg;
  int i, msg[2];
  for (i = 0; i < BW_PER_THREAD; i++) {
    msg[0] = t->id;
    msg[1] = i;
    mg_broadcast(t->mgr, bw_cb, msg, sizeof(msg));
    // Our message's callback must have run before mg_broadcast returned.
    pthread_mutex_lock(&s_lock);
    if (s_delivered[t->id] != i + 1) s_early[t->id]++;
    pthread_mutex_unlock(&s_lock);
  }
  return NULL;
}

static int bw_all_done(void *arg) {
  int i, n = 0;
  (void) arg;
  pthread_mutex_lock(&s_lock);
  for (i = 0; i < BW_THREADS; i++) n += s_delivered[i];
  pthread_mutex_unlock(&s_lock);
  return n == BW_THREADS * BW_PER_THREAD;
}

static void noop_handler(struct mg_connection *nc, int ev, void *ev_data) {
  (void) nc, (void) ev, (void) ev_data;
}

static void test_broadcast_returns_after_its_callbacks_ran(void **state) {
  struct mg_mgr mgr;
  struct bw_thread t[BW_THREADS];
  pthread_t tid[BW_THREADS];
  int i;
  (void) state;
  memset(s_delivered, 0, sizeof(s_delivered));
  memset(s_early, 0, sizeof(s_early));
  mg_mgr_init(&mgr, NULL);
  assert_non_null(mg_bind(&mgr, "127.0.0.1:0", noop_handler));
  for (i = 0; i < BW_THREADS; i++) {
    t[i].mgr = &mgr;
    t[i].id = i;
    assert_int_equal(pthread_create(&tid[i], NULL, bw_thread_fn, &t[i]), 0);
  }
  assert_true(poll_until(&mgr, bw_all_done, NULL, 20));
  for (i = 0; i < BW_THREADS; i++) pthread_join(tid[i], NULL);
  for (i = 0; i < BW_THREADS; i++) {
    assert_int_equal(s_delivered[i], BW_PER_THREAD);
    assert_int_equal(s_early[i], 0);  // Never returned before delivery
  }
  mg_mgr_free(&mgr);
}

static int s_late_calls;

static void late_cb(struct mg_connection *nc, int ev, void *ev_data) {
  (void) nc, (void) ev, (void) ev_data;
  s_late_calls++;
}

static void test_broadcast_without_poll_loop_gives_up_after_timeout(
    void **state) {
  struct mg_mgr mgr;
  double start, took;
  (void) state;
  s_late_calls = 0;
  mg_mgr_init(&mgr, NULL);
  assert_non_null(mg_bind(&mgr, "127.0.0.1:0", noop_handler));
  start = mg_time();
  mg_broadcast(&mgr, late_cb, "x", 1);  // Nobody polls
  took = mg_time() - start;
  assert_true(took >= 0.25);
  assert_true(took < 3.0);
  assert_int_equal(s_late_calls, 0);
  // The message is still delivered by the next poll (its waiter is gone).
  mg_mgr_poll(&mgr, 100);
  assert_int_equal(s_late_calls, 1);
  mg_mgr_free(&mgr);
}

static double s_inner_took = -1;

static void inner_cb(struct mg_connection *nc, int ev, void *ev_data) {
  (void) nc, (void) ev, (void) ev_data;
  s_late_calls++;
}

// Broadcasts from inside the poll thread's own handler.
static void inner_handler(struct mg_connection *nc, int ev, void *ev_data) {
  double start;
  (void) ev_data;
  if (ev == MG_EV_TIMER) {
    start = mg_time();
    mg_broadcast(nc->mgr, inner_cb, "y", 1);
    s_inner_took = mg_time() - start;
  }
}

static void test_broadcast_from_poll_thread_does_not_wait(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *c;
  double deadline;
  (void) state;
  s_late_calls = 0;
  s_inner_took = -1;
  mg_mgr_init(&mgr, NULL);
  c = mg_add_sock(&mgr, INVALID_SOCKET, inner_handler);
  assert_non_null(c);
  mg_set_timer(c, mg_time());
  deadline = mg_time() + 5;
  while ((s_inner_took < 0 || s_late_calls == 0) && mg_time() < deadline) {
    mg_mgr_poll(&mgr, 10);
  }
  assert_true(s_inner_took >= 0);
  assert_true(s_inner_took < 0.2);    // Far below the 300 ms timeout
  assert_int_equal(s_late_calls, 1);  // Delivered by a later iteration
  mg_mgr_free(&mgr);
}

// ---- A connection without a socket -----------------------------------------

struct timer_conn {
  int polls, timers, closes;
};

static void timer_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct timer_conn *t = (struct timer_conn *) nc->user_data;
  (void) ev_data;
  if (ev == MG_EV_POLL) t->polls++;
  if (ev == MG_EV_TIMER && ++t->timers < 3) mg_set_timer(nc, mg_time() + 0.01);
  if (ev == MG_EV_TIMER && t->timers == 3) nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  if (ev == MG_EV_CLOSE) t->closes++;
}

static int timer_closed(void *arg) {
  return ((struct timer_conn *) arg)->closes > 0;
}

static void test_add_sock_invalid_socket_makes_timer_only_connection(
    void **state) {
  struct mg_mgr mgr;
  struct mg_connection *c;
  struct timer_conn t;
  (void) state;
  memset(&t, 0, sizeof(t));
  mg_mgr_init(&mgr, NULL);
  c = mg_add_sock(&mgr, INVALID_SOCKET, timer_handler);
  assert_non_null(c);
  assert_int_equal(c->sock, INVALID_SOCKET);
  c->user_data = &t;
  mg_set_timer(c, mg_time() + 0.01);
  assert_true(poll_until(&mgr, timer_closed, &t, 5));
  assert_int_equal(t.timers, 3);
  assert_true(t.polls >= 3);
  assert_int_equal(t.closes, 1);
  assert_null(mg_next(&mgr, NULL));  // Freed like any other connection
  mg_mgr_free(&mgr);
}

// ---- Host names without a resolver ------------------------------------------

struct connect_result {
  int connects, err, closes;
};

static void connect_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct connect_result *r = (struct connect_result *) nc->user_data;
  if (ev == MG_EV_CONNECT) {
    r->connects++;
    r->err = *(int *) ev_data;
  }
  if (ev == MG_EV_CLOSE) r->closes++;
}

static int connect_closed(void *arg) {
  return ((struct connect_result *) arg)->closes > 0;
}

static void expect_connect_fails(struct mg_mgr *mgr, struct mg_connection *c,
                                 struct connect_result *r) {
  assert_non_null(c);  // A name is not a synchronous failure
  c->user_data = r;
  assert_true(poll_until(mgr, connect_closed, r, 5));
  assert_int_equal(r->connects, 1);
  assert_int_equal(r->err, MG_EDNS_NXDOMAIN);
  assert_int_equal(r->closes, 1);
}

static void test_connect_host_name_fails_through_connect_event(void **state) {
  struct mg_mgr mgr;
  struct connect_result r1, r2, r3;
  (void) state;
  memset(&r1, 0, sizeof(r1));
  memset(&r2, 0, sizeof(r2));
  memset(&r3, 0, sizeof(r3));
  mg_mgr_init(&mgr, NULL);
  use_nxdomain_nameserver(&mgr);  // Names fail through the resolver
  expect_connect_fails(
      &mgr, mg_connect(&mgr, "example.invalid:80", connect_handler), &r1);
  expect_connect_fails(&mgr,
                       mg_connect_http(&mgr, connect_handler,
                                       "http://example.invalid/x", NULL, NULL),
                       &r2);
  expect_connect_fails(&mgr,
                       mg_connect_ws(&mgr, connect_handler,
                                     "ws://example.invalid/ws", NULL, NULL),
                       &r3);
  // Only the nameserver's listener is left.
  assert_non_null(mg_next(&mgr, NULL));
  assert_null(mg_next(&mgr, mg_next(&mgr, NULL)));
  mg_mgr_free(&mgr);
}

// A name is not refused by mg_connect(), but a listener cannot wait for a
// lookup, and port 0 is refused for a name as for a number: each with an
// error_string and no connection left behind.
static void test_bind_to_host_name_and_connect_to_port_0_refused(void **state) {
  struct mg_mgr mgr;
  struct mg_bind_opts bo;
  struct mg_connect_opts co;
  const char *err = NULL;
  (void) state;
  mg_mgr_init(&mgr, NULL);
  memset(&bo, 0, sizeof(bo));
  bo.error_string = &err;
  assert_null(mg_bind_opt(&mgr, "example.invalid:8000", connect_handler, bo));
  assert_non_null(err);
  assert_non_null(strstr(err, "host name"));
  err = NULL;
  memset(&co, 0, sizeof(co));
  co.error_string = &err;
  assert_null(mg_connect_opt(&mgr, "example.invalid:0", connect_handler, co));
  assert_non_null(err);
  assert_non_null(strstr(err, "port 0"));
  assert_null(mg_next(&mgr, NULL));
  mg_mgr_free(&mgr);
}

// ---- HTTP with a NULL user handler, endpoints and MG_EV_CLOSE --------------

static int s_ep_requests, s_ep_closes, s_user_closes;

static void endpoint_handler(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev == MG_EV_HTTP_REQUEST) {
    s_ep_requests++;
    mg_send_head(nc, 200, 2, "Content-Type: text/plain");
    mg_send(nc, "ep", 2);
  } else if (ev == MG_EV_CLOSE) {
    s_ep_closes++;
  }
}

static void user_handler(struct mg_connection *nc, int ev, void *ev_data) {
  (void) nc, (void) ev_data;
  if (ev == MG_EV_CLOSE && nc->listener != NULL) s_user_closes++;
}

// Sends a GET for uri on a new raw connection; returns the first response.
static size_t get(struct mg_mgr *mgr, int port, const char *uri, char *buf,
                  size_t cap, int *fd) {
  char req[256];
  int closed = 0;
  *fd = raw_connect(port);
  snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", uri);
  raw_send(mgr, *fd, req, strlen(req));
  return raw_recv(mgr, *fd, buf, cap, 1, &closed, 5);
}

static int ep_closed(void *arg) {
  (void) arg;
  return s_ep_closes > 0;
}

static void test_null_user_handler_serves_endpoints(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc;
  char buf[1024];
  int fd;
  (void) state;
  s_ep_requests = s_ep_closes = 0;
  mg_mgr_init(&mgr, NULL);
  lc = mg_bind(&mgr, "127.0.0.1:0", NULL);
  assert_non_null(lc);
  mg_set_protocol_http_websocket(lc);
  mg_register_http_endpoint(lc, "/ep", endpoint_handler);
  assert_true(get(&mgr, conn_port(lc), "/ep", buf, sizeof(buf), &fd) > 0);
  assert_non_null(strstr(buf, "HTTP/1.1 200"));
  assert_non_null(strstr(buf, "\r\n\r\nep"));
  close(fd);
  // A request nobody answers: no crash, no recursion; the connection stays.
  fd = raw_connect(conn_port(lc));
  raw_send(&mgr, fd, "GET /other HTTP/1.1\r\nHost: x\r\n\r\n", 33);
  mg_mgr_poll(&mgr, 50);
  mg_mgr_poll(&mgr, 50);
  close(fd);
  assert_true(poll_until(&mgr, ep_closed, NULL, 5));
  assert_int_equal(s_ep_requests, 1);
  mg_mgr_free(&mgr);
}

static void test_endpoint_handler_gets_close_of_its_connection(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc;
  char buf[1024];
  int fd;
  (void) state;
  s_ep_requests = s_ep_closes = s_user_closes = 0;
  mg_mgr_init(&mgr, NULL);
  lc = mg_bind(&mgr, "127.0.0.1:0", user_handler);
  assert_non_null(lc);
  mg_set_protocol_http_websocket(lc);
  mg_register_http_endpoint(lc, "/ep", endpoint_handler);
  assert_true(get(&mgr, conn_port(lc), "/ep", buf, sizeof(buf), &fd) > 0);
  assert_int_equal(s_ep_closes, 0);
  close(fd);
  assert_true(poll_until(&mgr, ep_closed, NULL, 5));
  assert_int_equal(s_ep_closes, 1);    // The endpoint saw its close once
  assert_int_equal(s_user_closes, 1);  // And the connection's own handler
  mg_mgr_free(&mgr);
}

static int s_srv_replies;

static void reply_server(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev == MG_EV_HTTP_REQUEST) {
    s_srv_replies++;
    mg_send_head(nc, 200, 2, NULL);
    mg_send(nc, "ok", 2);
  }
}

static int srv_replied(void *arg) {
  (void) arg;
  return s_srv_replies > 0;
}

static void test_connect_http_with_null_handler_works(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc, *c;
  char url[64];
  int i;
  (void) state;
  s_srv_replies = 0;
  mg_mgr_init(&mgr, NULL);
  lc = mg_bind(&mgr, "127.0.0.1:0", reply_server);
  assert_non_null(lc);
  mg_set_protocol_http_websocket(lc);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", conn_port(lc));
  c = mg_connect_http(&mgr, NULL, url, NULL, NULL);
  assert_non_null(c);
  assert_true(poll_until(&mgr, srv_replied, NULL, 5));
  for (i = 0; i < 10; i++) mg_mgr_poll(&mgr, 10);  // The reply comes back
  mg_mgr_free(&mgr);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_broadcast_returns_after_its_callbacks_ran),
      cmocka_unit_test(test_broadcast_without_poll_loop_gives_up_after_timeout),
      cmocka_unit_test(test_broadcast_from_poll_thread_does_not_wait),
      cmocka_unit_test(
          test_add_sock_invalid_socket_makes_timer_only_connection),
      cmocka_unit_test(test_connect_host_name_fails_through_connect_event),
      cmocka_unit_test(test_bind_to_host_name_and_connect_to_port_0_refused),
      cmocka_unit_test(test_null_user_handler_serves_endpoints),
      cmocka_unit_test(test_endpoint_handler_gets_close_of_its_connection),
      cmocka_unit_test(test_connect_http_with_null_handler_works),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
