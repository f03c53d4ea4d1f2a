// A 6.x-style program using the core as 6.x programs do: an echo server and
// a client made with mg_bind()/mg_connect() and MG_CB(), user_data handed to
// the handler in the user_data mode, a timer-only connection from
// mg_add_sock(INVALID_SOCKET), mg_broadcast() from a thread (it returns
// once the poll thread ran its callbacks), and a host name that fails
// through MG_EV_CONNECT.
#include "compat.h"

struct echo_state {
  int accepted, echoed_bytes, client_got, client_closed, connect_err;
  int connects;
  char reply[64];
};

static void server_handler(struct mg_connection *nc, int ev,
                           void *ev_data MG_UD_ARG(void *user_data)) {
  struct echo_state *s = (struct echo_state *) COMPAT_UD(nc);
  (void) ev_data;
  if (s == NULL) return;  // A listener without state only accepts
  if (ev == MG_EV_ACCEPT) {
    s->accepted++;
  } else if (ev == MG_EV_RECV) {
    s->echoed_bytes += (int) nc->recv_mbuf.len;
    mg_send(nc, nc->recv_mbuf.buf, (int) nc->recv_mbuf.len);
    mbuf_remove(&nc->recv_mbuf, nc->recv_mbuf.len);
  }
}

static void client_handler(struct mg_connection *nc, int ev,
                           void *ev_data MG_UD_ARG(void *user_data)) {
  struct echo_state *s = (struct echo_state *) COMPAT_UD(nc);
  if (ev == MG_EV_CONNECT) {
    s->connects++;
    s->connect_err = *(int *) ev_data;
    if (s->connect_err == 0) mg_printf(nc, "%s", "hello, 6.x");
  } else if (ev == MG_EV_RECV) {
    size_t n = nc->recv_mbuf.len;
    if (n > sizeof(s->reply) - 1) n = sizeof(s->reply) - 1;
    memcpy(s->reply, nc->recv_mbuf.buf, n);
    s->reply[n] = '\0';
    mbuf_remove(&nc->recv_mbuf, nc->recv_mbuf.len);
    s->client_got = 1;
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  } else if (ev == MG_EV_CLOSE) {
    s->client_closed = 1;
  }
}

static void test_echo_with_mg_cb_and_user_data(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc, *c;
  struct echo_state s;
  char addr[64];
  (void) state;
  memset(&s, 0, sizeof(s));
  mg_mgr_init(&mgr, NULL);
  lc = mg_bind(&mgr, "127.0.0.1:0", MG_CB(server_handler, &s));
  assert_non_null(lc);
  // Accepted connections inherit the listener's handler and user_data.
  lc->user_data = &s;
  snprintf(addr, sizeof(addr), "tcp://127.0.0.1:%d", compat_port(lc));
  c = mg_connect(&mgr, addr, MG_CB(client_handler, &s));
  assert_non_null(c);
  c->user_data = &s;
  assert_true(compat_poll(&mgr, &s.client_closed, 5));
  assert_int_equal(s.connects, 1);
  assert_int_equal(s.connect_err, 0);
  assert_int_equal(s.accepted, 1);
  assert_string_equal(s.reply, "hello, 6.x");
  assert_int_equal(s.echoed_bytes, 10);
  mg_mgr_free(&mgr);
}

#if MG_ENABLE_CALLBACK_USERDATA
// In the user_data mode the handler's argument is the connection's
// user_data, set from the MG_CB() of mg_connect().
static void *s_seen_ud;

static void ud_handler(struct mg_connection *nc, int ev, void *ev_data,
                       void *user_data) {
  (void) ev_data;
  if (ev == MG_EV_CONNECT) s_seen_ud = user_data;
  if (ev == MG_EV_CONNECT) nc->flags |= MG_F_CLOSE_IMMEDIATELY;
}

static void test_user_data_mode_passes_mg_cb_argument(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc, *c;
  int marker = 42, done = 0;
  char addr[64];
  (void) state;
  s_seen_ud = NULL;
  mg_mgr_init(&mgr, NULL);
  lc = mg_bind(&mgr, "127.0.0.1:0", MG_CB(server_handler, NULL));
  assert_non_null(lc);
  snprintf(addr, sizeof(addr), "127.0.0.1:%d", compat_port(lc));
  c = mg_connect(&mgr, addr, MG_CB(ud_handler, &marker));
  assert_non_null(c);
  assert_ptr_equal(c->user_data, &marker);
  while (s_seen_ud == NULL && done++ < 500) mg_mgr_poll(&mgr, 10);
  assert_ptr_equal(s_seen_ud, &marker);
  mg_mgr_free(&mgr);
}
#endif

struct timer_state {
  int polls, timers, closed;
};

static void timer_handler(struct mg_connection *nc, int ev,
                          void *ev_data MG_UD_ARG(void *user_data)) {
  struct timer_state *t = (struct timer_state *) COMPAT_UD(nc);
  (void) ev_data;
  if (ev == MG_EV_POLL) t->polls++;
  if (ev == MG_EV_TIMER) {
    if (++t->timers < 2) {
      mg_set_timer(nc, mg_time() + 0.02);
    } else {
      nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    }
  }
  if (ev == MG_EV_CLOSE) t->closed = 1;
}

static void test_timer_only_connection_from_invalid_socket(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *c;
  struct timer_state t;
  (void) state;
  memset(&t, 0, sizeof(t));
  mg_mgr_init(&mgr, NULL);
  c = mg_add_sock(&mgr, INVALID_SOCKET, MG_CB(timer_handler, &t));
  assert_non_null(c);
  c->user_data = &t;
  mg_set_timer(c, mg_time() + 0.02);
  assert_true(compat_poll(&mgr, &t.closed, 5));
  assert_int_equal(t.timers, 2);
  assert_true(t.polls > 0);
  mg_mgr_free(&mgr);
}

// mg_broadcast() from a thread: when it returns, the callback has run.
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static int s_calls, s_seen_after_return, s_thread_done;

static void bcast_cb(struct mg_connection *nc, int ev,
                     void *ev_data MG_UD_ARG(void *user_data)) {
  (void) ev;
#if MG_ENABLE_CALLBACK_USERDATA
  (void) user_data;
#endif
  if (nc != mg_next(nc->mgr, NULL)) return;
  pthread_mutex_lock(&s_lock);
  s_calls += *(int *) ev_data;
  pthread_mutex_unlock(&s_lock);
}

static void *bcast_thread(void *arg) {
  struct mg_mgr *mgr = (struct mg_mgr *) arg;
  int one = 1;
  mg_broadcast(mgr, bcast_cb, &one, sizeof(one));
  pthread_mutex_lock(&s_lock);
  s_seen_after_return = s_calls;
  s_thread_done = 1;
  pthread_mutex_unlock(&s_lock);
  return NULL;
}

static void test_broadcast_returns_after_delivery(void **state) {
  struct mg_mgr mgr;
  pthread_t tid;
  int done = 0;
  double deadline;
  (void) state;
  s_calls = s_seen_after_return = s_thread_done = 0;
  mg_mgr_init(&mgr, NULL);
  assert_non_null(mg_bind(&mgr, "127.0.0.1:0", MG_CB(server_handler, NULL)));
  assert_int_equal(pthread_create(&tid, NULL, bcast_thread, &mgr), 0);
  deadline = mg_time() + 5;
  while (!done && mg_time() < deadline) {
    mg_mgr_poll(&mgr, 10);
    pthread_mutex_lock(&s_lock);
    done = s_thread_done;
    pthread_mutex_unlock(&s_lock);
  }
  pthread_join(tid, NULL);
  assert_int_equal(s_calls, 1);
  assert_int_equal(s_seen_after_return, 1);
  mg_mgr_free(&mgr);
}

static void test_host_name_fails_through_connect_event(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *c;
  struct echo_state s;
  (void) state;
  memset(&s, 0, sizeof(s));
  mg_mgr_init(&mgr, NULL);
  c = mg_connect(&mgr, "no-such-host.invalid:80", MG_CB(client_handler, &s));
  assert_non_null(c);  // 6.x: never NULL because the address is a name
  c->user_data = &s;
  assert_true(compat_poll(&mgr, &s.client_closed, 5));
  assert_int_equal(s.connects, 1);
  assert_true(s.connect_err != 0);
  mg_mgr_free(&mgr);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_echo_with_mg_cb_and_user_data),
#if MG_ENABLE_CALLBACK_USERDATA
      cmocka_unit_test(test_user_data_mode_passes_mg_cb_argument),
#endif
      cmocka_unit_test(test_timer_only_connection_from_invalid_socket),
      cmocka_unit_test(test_broadcast_returns_after_delivery),
      cmocka_unit_test(test_host_name_fails_through_connect_event),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
