// Net tests for the core: real sockets on 127.0.0.1 and ::1, client and
// server in one manager (or a forked child), bounded polling.
#include "net_util.h"  // First: mongoose.h sets the feature macros

#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>

// ---- Echo server used by several tests ----------------------------------

static void echo_handler(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev == MG_EV_RECV) {
    mg_send(nc, nc->recv_mbuf.buf, (int) nc->recv_mbuf.len);
    mbuf_remove(&nc->recv_mbuf, nc->recv_mbuf.len);
  }
}

// A client that sends `msg` on connect and collects the reply.
struct client {
  const char *msg;
  int connected, connect_err, closed;
  char reply[256];
  size_t reply_len;
};

static void client_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct client *cl = (struct client *) nc->user_data;
  if (ev == MG_EV_CONNECT) {
    cl->connect_err = *(int *) ev_data;
    cl->connected = 1;
    if (cl->connect_err == 0) mg_printf(nc, "%s", cl->msg);
  } else if (ev == MG_EV_RECV) {
    size_t n = nc->recv_mbuf.len;
    if (n > sizeof(cl->reply) - 1 - cl->reply_len) {
      n = sizeof(cl->reply) - 1 - cl->reply_len;
    }
    memcpy(cl->reply + cl->reply_len, nc->recv_mbuf.buf, n);
    cl->reply_len += n;
    mbuf_remove(&nc->recv_mbuf, nc->recv_mbuf.len);
  } else if (ev == MG_EV_CLOSE) {
    cl->closed = 1;
  }
}

static int reply_complete(void *arg) {
  struct client *cl = (struct client *) arg;
  return cl->reply_len >= strlen(cl->msg);
}

static void echo_roundtrip(const char *bind_addr, const char *connect_fmt) {
  struct mg_mgr mgr;
  struct mg_connection *lc, *c;
  struct mg_connect_opts opts;
  struct client cl;
  char addr[100];
  mg_mgr_init(&mgr, NULL);
  lc = mg_bind(&mgr, bind_addr, echo_handler);
  assert_non_null(lc);
  snprintf(addr, sizeof(addr), connect_fmt, conn_port(lc));
  memset(&cl, 0, sizeof(cl));
  cl.msg = "hello, echo";
  memset(&opts, 0, sizeof(opts));
  opts.user_data = &cl;
  c = mg_connect_opt(&mgr, addr, client_handler, opts);
  assert_non_null(c);
  assert_true(poll_until(&mgr, reply_complete, &cl, 5));
  assert_int_equal(cl.connect_err, 0);
  assert_int_equal(cl.reply_len, strlen(cl.msg));
  assert_memory_equal(cl.reply, cl.msg, cl.reply_len);
  mg_mgr_free(&mgr);
}

static void test_tcp_echo_ipv4(void **state) {
  (void) state;
  echo_roundtrip("127.0.0.1:0", "127.0.0.1:%d");
}

static void test_tcp_echo_ipv6(void **state) {
  (void) state;
  echo_roundtrip("tcp://[::1]:0", "tcp://[::1]:%d");
}

static void test_tcp_echo_localhost_name(void **state) {
  (void) state;
  echo_roundtrip("127.0.0.1:0", "localhost:%d");
}

static void test_udp_echo(void **state) {
  (void) state;
  echo_roundtrip("udp://127.0.0.1:0", "udp://127.0.0.1:%d");
}

// ---- The peer's address outlives a reset -------------------------------

struct peer_seen {
  int recvs, closes;
  char peer[64];
};

static void peer_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct peer_seen *ps = (struct peer_seen *) nc->user_data;
  (void) ev_data;
  if (ev == MG_EV_RECV && ps->recvs++ == 0) {
    mg_conn_addr_to_str(nc, ps->peer, sizeof(ps->peer),
                        MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT |
                            MG_SOCK_STRINGIFY_REMOTE);
  }
  if (ev == MG_EV_CLOSE && !(nc->flags & MG_F_LISTENING)) ps->closes++;
}

static int peer_closed(void *arg) {
  return ((struct peer_seen *) arg)->closes > 0;
}

// Bytes that arrive just before a reset are still read; by then
// getpeername() fails, and the remote address comes from the accept.
static void test_remote_addr_after_reset(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc;
  struct mg_bind_opts bo;
  struct peer_seen ps;
  struct sockaddr_in sin;
  socklen_t slen = sizeof(sin);
  struct linger lg = {1, 0};
  char want[64];
  int fd;
  (void) state;
  mg_mgr_init(&mgr, NULL);
  memset(&ps, 0, sizeof(ps));
  memset(&bo, 0, sizeof(bo));
  bo.user_data = &ps;
  lc = mg_bind_opt(&mgr, "127.0.0.1:0", peer_handler, bo);
  assert_non_null(lc);
  fd = raw_connect(conn_port(lc));
  assert_true(fd >= 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *) &sin, &slen), 0);
  snprintf(want, sizeof(want), "127.0.0.1:%d", ntohs(sin.sin_port));
  mg_mgr_poll(&mgr, 50);  // Accepted before the bytes and the reset come
  assert_int_equal(send(fd, "hello", 5, 0), 5);
  assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
  close(fd);
  assert_true(poll_until(&mgr, peer_closed, &ps, 5));
  assert_true(ps.recvs >= 1);
  assert_string_equal(ps.peer, want);
  mg_mgr_free(&mgr);
}

// ---- UDP: each peer gets its own connection ------------------------------

struct udp_server {
  int accepts, closes;
};

static void udp_tag_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct udp_server *s = (struct udp_server *) nc->user_data;
  char peer[64];
  (void) ev_data;
  if (ev == MG_EV_ACCEPT) s->accepts++;
  if (ev == MG_EV_CLOSE && !(nc->flags & MG_F_LISTENING)) s->closes++;
  if (ev == MG_EV_RECV) {
    // Answer with the peer's own address: proves replies go to the sender.
    mg_conn_addr_to_str(nc, peer, sizeof(peer),
                        MG_SOCK_STRINGIFY_PORT | MG_SOCK_STRINGIFY_REMOTE);
    mg_printf(nc, "%s", peer);
    mbuf_remove(&nc->recv_mbuf, nc->recv_mbuf.len);
  }
}

static int both_replied(void *arg) {
  struct client *cl = (struct client *) arg;
  return cl[0].reply_len > 0 && cl[1].reply_len > 0;
}

static void test_udp_listener_answers_each_peer(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc, *c[2];
  struct mg_bind_opts bo;
  struct mg_connect_opts co;
  struct udp_server srv;
  struct client cl[2];
  char addr[64], local[64];
  int i;
  (void) state;
  mg_mgr_init(&mgr, NULL);
  memset(&srv, 0, sizeof(srv));
  memset(&bo, 0, sizeof(bo));
  bo.user_data = &srv;
  lc = mg_bind_opt(&mgr, "udp://127.0.0.1:0", udp_tag_handler, bo);
  assert_non_null(lc);
  assert_true(lc->flags & MG_F_UDP);
  snprintf(addr, sizeof(addr), "udp://127.0.0.1:%d", conn_port(lc));
  memset(cl, 0, sizeof(cl));
  for (i = 0; i < 2; i++) {
    cl[i].msg = "who am i";
    memset(&co, 0, sizeof(co));
    co.user_data = &cl[i];
    c[i] = mg_connect_opt(&mgr, addr, client_handler, co);
    assert_non_null(c[i]);
  }
  assert_true(poll_until(&mgr, both_replied, cl, 5));
  for (i = 0; i < 2; i++) {
    // The client socket is unbound (0.0.0.0): compare its port.
    mg_conn_addr_to_str(c[i], local, sizeof(local), MG_SOCK_STRINGIFY_PORT);
    cl[i].reply[cl[i].reply_len] = '\0';
    assert_string_equal(cl[i].reply, local);
  }
  assert_int_equal(srv.accepts, 2);
  // The per-peer connections start with MG_F_SEND_AND_CLOSE: both are gone
  // once their reply is out.
  mg_mgr_poll(&mgr, 1);
  assert_int_equal(srv.closes, 2);
  mg_mgr_free(&mgr);
}

// ---- Connect errors -------------------------------------------------------

static void test_connect_refused_reports_error(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc, *c;
  struct mg_connect_opts opts;
  struct client cl;
  char addr[64];
  int port;
  (void) state;
  mg_mgr_init(&mgr, NULL);
  // Find a free port, then close its listener so nothing listens there.
  lc = mg_bind(&mgr, "127.0.0.1:0", echo_handler);
  assert_non_null(lc);
  port = conn_port(lc);
  lc->flags |= MG_F_CLOSE_IMMEDIATELY;
  mg_mgr_poll(&mgr, 1);
  assert_null(mg_next(&mgr, NULL));
  snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
  memset(&cl, 0, sizeof(cl));
  cl.msg = "x";
  memset(&opts, 0, sizeof(opts));
  opts.user_data = &cl;
  c = mg_connect_opt(&mgr, addr, client_handler, opts);
  assert_non_null(c);
  assert_true(poll_flag(&mgr, &cl.closed, 5));
  assert_int_equal(cl.connected, 1);
  assert_int_equal(cl.connect_err, ECONNREFUSED);
  mg_mgr_free(&mgr);
}

static void test_connect_bad_addresses_fail_synchronously(void **state) {
  // A host name is not among them: it fails through MG_EV_CONNECT
  // (test_compat_core.c).
  static const char *bad[] = {"127.0.0.1",   "127.0.0.1:70000",   "tcp://",
                              "1.2.3.4:80x", "http://1.2.3.4:80", ":0"};
  struct mg_mgr mgr;
  struct mg_connect_opts opts;
  const char *err;
  size_t i;
  (void) state;
  mg_mgr_init(&mgr, NULL);
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    err = NULL;
    memset(&opts, 0, sizeof(opts));
    opts.error_string = &err;
    assert_null(mg_connect_opt(&mgr, bad[i], echo_handler, opts));
    assert_non_null(err);
  }
  assert_null(mg_next(&mgr, NULL));
  mg_mgr_free(&mgr);
}

static void test_bind_port_in_use_gives_error_string(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc;
  struct mg_bind_opts opts;
  const char *err = NULL;
  char addr[64];
  (void) state;
  mg_mgr_init(&mgr, NULL);
  lc = mg_bind(&mgr, "127.0.0.1:0", echo_handler);
  assert_non_null(lc);
  snprintf(addr, sizeof(addr), "127.0.0.1:%d", conn_port(lc));
  memset(&opts, 0, sizeof(opts));
  opts.error_string = &err;
  assert_null(mg_bind_opt(&mgr, addr, echo_handler, opts));
  assert_string_equal(err, "address already in use");
  err = NULL;
  assert_null(mg_bind_opt(&mgr, "127.0.0.1:99999", echo_handler, opts));
  assert_string_equal(err, "cannot parse address");
  err = NULL;
  assert_null(mg_bind_opt(&mgr, "udp://[::1]:x", echo_handler, opts));
  assert_non_null(err);
  // The failed binds left nothing behind: one connection, the listener.
  assert_ptr_equal(mg_next(&mgr, NULL), lc);
  assert_null(mg_next(&mgr, lc));
  mg_mgr_free(&mgr);
}

// ---- Timers ---------------------------------------------------------------

struct timer_log {
  int order[3], n;
};

static void timer_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct timer_log *log = (struct timer_log *) nc->mgr->user_data;
  (void) ev_data;
  if (ev == MG_EV_TIMER && log->n < 3) {
    log->order[log->n++] = (int) (intptr_t) nc->user_data;
  }
}

static int three_fired(void *arg) {
  return ((struct timer_log *) arg)->n == 3;
}

static struct mg_connection *idle_conn(struct mg_mgr *mgr, mg_event_handler_t h,
                                       void *ud, sock_t *other) {
  sock_t sp[2];
  struct mg_add_sock_opts opts;
  assert_true(mg_socketpair(sp, SOCK_STREAM));
  *other = sp[1];
  memset(&opts, 0, sizeof(opts));
  opts.user_data = ud;
  return mg_add_sock_opt(mgr, sp[0], h, opts);
}

static void test_three_timers_fire_in_order(void **state) {
  struct mg_mgr mgr;
  struct timer_log log;
  struct mg_connection *c[3];
  sock_t other[3];
  double now = mg_time(), t0;
  // Created in an order different from their deadlines.
  static const double delay[3] = {0.09, 0.03, 0.06};
  int i;
  (void) state;
  memset(&log, 0, sizeof(log));
  mg_mgr_init(&mgr, &log);
  for (i = 0; i < 3; i++) {
    c[i] = idle_conn(&mgr, timer_handler, (void *) (intptr_t) i, &other[i]);
    assert_non_null(c[i]);
    assert_true(mg_set_timer(c[i], now + delay[i]) == 0);
  }
  {
    // Rounded to a double as mg_set_timer() got it (i386's x87 keeps
    // now + delay[1] at 80 bits in the comparison otherwise).
    volatile double want = now + delay[1];
    assert_true(mg_mgr_min_timer(&mgr) == want);
  }
  t0 = mg_time();
  assert_true(poll_until(&mgr, three_fired, &log, 5));
  assert_int_equal(log.order[0], 1);
  assert_int_equal(log.order[1], 2);
  assert_int_equal(log.order[2], 0);
  // A fired timer is cleared, not repeated.
  assert_true(c[0]->ev_timer_time == 0);
  assert_true(mg_time() - t0 >= 0.08);
  mg_mgr_free(&mgr);
  for (i = 0; i < 3; i++) close(other[i]);
}

static void count_handler(struct mg_connection *nc, int ev, void *ev_data) {
  (void) nc, (void) ev, (void) ev_data;
}

static void test_poll_wait_is_cut_short_by_timer(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *c;
  sock_t other;
  double t0;
  (void) state;
  mg_mgr_init(&mgr, NULL);
  c = idle_conn(&mgr, count_handler, NULL, &other);
  mg_set_timer(c, mg_time() + 0.05);
  t0 = mg_time();
  // One poll with a 5 s wait returns when the timer is due, with 1 event.
  assert_int_equal(mg_mgr_poll(&mgr, 5000), 1);
  assert_true(mg_time() - t0 < 2.0);
  assert_true(c->ev_timer_time == 0);
  mg_mgr_free(&mgr);
  close(other);
}

// ---- Broadcast from threads ----------------------------------------------

#define BCAST_THREADS 4
#define BCAST_PER_THREAD 1000

struct bcast_state {
  struct mg_mgr *mgr;
  int received[BCAST_THREADS];
  int total, bad;
};

static void bcast_cb(struct mg_connection *nc, int ev, void *ev_data) {
  struct bcast_state *s = (struct bcast_state *) nc->mgr->user_data;
  const int *msg = (const int *) ev_data;
  if (ev != MG_EV_POLL) return;
  // msg = {thread, sequence}: each thread's messages arrive in order.
  if (msg[0] < 0 || msg[0] >= BCAST_THREADS || msg[1] != s->received[msg[0]]) {
    s->bad++;
    return;
  }
  s->received[msg[0]]++;
  s->total++;
}

struct bcast_thread {
  struct mg_mgr *mgr;
  int id;
};

static void *bcast_thread_fn(void *arg) {
  struct bcast_thread *t = (struct bcast_thread *) arg;
  int i, msg[2];
  for (i = 0; i < BCAST_PER_THREAD; i++) {
    msg[0] = t->id;
    msg[1] = i;
    mg_broadcast(t->mgr, bcast_cb, msg, sizeof(msg));
  }
  return NULL;
}

static int bcast_done(void *arg) {
  return ((struct bcast_state *) arg)->total +
             ((struct bcast_state *) arg)->bad >=
         BCAST_THREADS * BCAST_PER_THREAD;
}

static void test_broadcast_from_four_threads_all_delivered(void **state) {
  struct mg_mgr mgr;
  struct bcast_state s;
  struct bcast_thread t[BCAST_THREADS];
  pthread_t tid[BCAST_THREADS];
  sock_t other;
  int i;
  (void) state;
  memset(&s, 0, sizeof(s));
  mg_mgr_init(&mgr, &s);
  // One connection: the callback runs once per message.
  assert_non_null(idle_conn(&mgr, count_handler, NULL, &other));
  for (i = 0; i < BCAST_THREADS; i++) {
    t[i].mgr = &mgr;
    t[i].id = i;
    assert_int_equal(pthread_create(&tid[i], NULL, bcast_thread_fn, &t[i]), 0);
  }
  assert_true(poll_until(&mgr, bcast_done, &s, 30));
  for (i = 0; i < BCAST_THREADS; i++) pthread_join(tid[i], NULL);
  mg_mgr_poll(&mgr, 10);
  assert_int_equal(s.bad, 0);
  assert_int_equal(s.total, BCAST_THREADS * BCAST_PER_THREAD);
  for (i = 0; i < BCAST_THREADS; i++) {
    assert_int_equal(s.received[i], BCAST_PER_THREAD);
  }
  mg_mgr_free(&mgr);
  close(other);
}

static void test_broadcast_oversized_is_refused(void **state) {
  struct mg_mgr mgr;
  struct bcast_state s;
  sock_t other;
  static char big[MG_MAX_BROADCAST_SIZE + 1];
  (void) state;
  memset(&s, 0, sizeof(s));
  mg_mgr_init(&mgr, &s);
  assert_non_null(idle_conn(&mgr, count_handler, NULL, &other));
  mg_log_set_level(MG_LL_NONE);
  mg_broadcast(&mgr, bcast_cb, big, sizeof(big));
  mg_log_set_level(MG_LL_ERROR);
  mg_mgr_poll(&mgr, 50);
  assert_int_equal(s.total + s.bad, 0);
  mg_mgr_free(&mgr);
  close(other);
}

// ---- Large transfers and backpressure --------------------------------------

#define BIG_SIZE (10 * 1024 * 1024)

struct sink {
  size_t received;
  unsigned char expect;
  int corrupt, closed;
  size_t max_recv_len, max_recv_size;
};

static void sink_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct sink *s = (struct sink *) nc->user_data;
  size_t i;
  (void) ev_data;
  if (ev == MG_EV_RECV) {
    for (i = 0; i < nc->recv_mbuf.len; i++) {
      if ((unsigned char) nc->recv_mbuf.buf[i] != s->expect) s->corrupt++;
      s->expect = (unsigned char) (s->expect + 1);
    }
    s->received += nc->recv_mbuf.len;
    mbuf_remove(&nc->recv_mbuf, nc->recv_mbuf.len);
  } else if (ev == MG_EV_CLOSE) {
    s->closed = 1;
  }
}

static void big_sender(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev == MG_EV_ACCEPT) {
    unsigned char *buf = (unsigned char *) malloc(BIG_SIZE);
    size_t i;
    assert_non_null(buf);
    for (i = 0; i < BIG_SIZE; i++) buf[i] = (unsigned char) i;
    mg_send(nc, buf, BIG_SIZE);
    free(buf);
    nc->flags |= MG_F_SEND_AND_CLOSE;
  }
}

static void test_send_and_close_delivers_10mb_then_closes(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc;
  struct mg_connect_opts opts;
  struct sink s;
  char addr[64];
  (void) state;
  mg_mgr_init(&mgr, NULL);
  lc = mg_bind(&mgr, "127.0.0.1:0", big_sender);
  assert_non_null(lc);
  snprintf(addr, sizeof(addr), "127.0.0.1:%d", conn_port(lc));
  memset(&s, 0, sizeof(s));
  memset(&opts, 0, sizeof(opts));
  opts.user_data = &s;
  assert_non_null(mg_connect_opt(&mgr, addr, sink_handler, opts));
  assert_true(poll_flag(&mgr, &s.closed, 60));
  assert_int_equal(s.received, BIG_SIZE);
  assert_int_equal(s.corrupt, 0);
  mg_mgr_free(&mgr);
}

// The server side reads slowly: it consumes only when the buffer is full,
// and records how large recv_mbuf ever got.
static void limited_reader(struct mg_connection *nc, int ev, void *ev_data) {
  struct sink *s = (struct sink *) nc->user_data;
  (void) ev_data;
  if (ev == MG_EV_ACCEPT) nc->recv_mbuf_limit = 64 * 1024;
  if (ev == MG_EV_RECV) {
    if (nc->recv_mbuf.len > s->max_recv_len)
      s->max_recv_len = nc->recv_mbuf.len;
    if (nc->recv_mbuf.size > s->max_recv_size) {
      s->max_recv_size = nc->recv_mbuf.size;
    }
  }
  if (ev == MG_EV_POLL && nc->recv_mbuf.len >= nc->recv_mbuf_limit) {
    s->received += nc->recv_mbuf.len;
    mbuf_remove(&nc->recv_mbuf, nc->recv_mbuf.len);
  }
  if (ev == MG_EV_CLOSE && !(nc->flags & MG_F_LISTENING)) {
    s->received += nc->recv_mbuf.len;
    s->closed = 1;
  }
}

static void test_recv_mbuf_limit_bounds_buffer(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc;
  struct mg_bind_opts opts;
  struct sink s;
  pid_t pid;
  int port, status;
  (void) state;
  mg_mgr_init(&mgr, NULL);
  memset(&s, 0, sizeof(s));
  memset(&opts, 0, sizeof(opts));
  opts.user_data = &s;
  lc = mg_bind_opt(&mgr, "127.0.0.1:0", limited_reader, opts);
  assert_non_null(lc);
  port = conn_port(lc);
  // A child process pushes 50 MB as fast as the server lets it.
  if ((pid = fork()) == 0) {
    static char chunk[65536];
    struct sockaddr_in sin;
    size_t sent = 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t) port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *) &sin, sizeof(sin)) != 0) _exit(1);
    while (sent < 50u * 1024 * 1024) {
      ssize_t n = send(fd, chunk, sizeof(chunk), 0);
      if (n <= 0) _exit(2);
      sent += (size_t) n;
    }
    close(fd);
    _exit(0);
  }
  assert_true(pid > 0);
  assert_true(poll_flag(&mgr, &s.closed, 120));
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  assert_int_equal(s.received, 50u * 1024 * 1024);
  assert_true(s.max_recv_len <= 64 * 1024);
  assert_true(s.max_recv_size <= 64 * 1024 + MG_MAX_IO_SIZE);
  mg_mgr_free(&mgr);
}

// ---- Many connections -----------------------------------------------------

#define MANY 1000

static void raise_fd_limit(rlim_t want) {
  struct rlimit rl;
  assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
  if (rl.rlim_cur < want) {
    rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
  }
}

// Child: opens MANY connections at once, sends a distinct message on each,
// and checks every echo. Exits 0 when all came back intact.
static int many_clients(int port) {
  static struct pollfd pfd[MANY];
  static char got[MANY][16];
  static size_t got_len[MANY];
  struct sockaddr_in sin;
  char msg[16];
  int i, done = 0, rounds = 0;
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_port = htons((uint16_t) port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (i = 0; i < MANY; i++) {
    pfd[i].fd = socket(AF_INET, SOCK_STREAM, 0);
    if (pfd[i].fd < 0) return 1;
    if (connect(pfd[i].fd, (struct sockaddr *) &sin, sizeof(sin)) != 0)
      return 2;
  }
  // All MANY are open before any sends: they are simultaneous.
  for (i = 0; i < MANY; i++) {
    snprintf(msg, sizeof(msg), "msg-%05d", i);
    if (send(pfd[i].fd, msg, 9, 0) != 9) return 3;
    pfd[i].events = POLLIN;
  }
  while (done < MANY && rounds++ < 3000) {
    if (poll(pfd, MANY, 10) < 0) return 4;
    for (i = 0; i < MANY; i++) {
      ssize_t n;
      if (!(pfd[i].revents & POLLIN) || got_len[i] >= 9) continue;
      n = recv(pfd[i].fd, got[i] + got_len[i], 9 - got_len[i], 0);
      if (n <= 0) return 5;
      got_len[i] += (size_t) n;
      if (got_len[i] == 9) {
        snprintf(msg, sizeof(msg), "msg-%05d", i);
        if (memcmp(got[i], msg, 9) != 0) return 6;
        done++;
        pfd[i].events = 0;
      }
    }
  }
  return done == MANY ? 0 : 7;
}

static int child_done(void *arg) {
  int *st = (int *) arg;
  if (st[1]) return 1;
  if (waitpid((pid_t) st[0], &st[2], WNOHANG) == (pid_t) st[0]) st[1] = 1;
  return st[1];
}

static void test_thousand_simultaneous_connections_echo(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc, *c;
  int port, st[3] = {0, 0, 0}, peak = 0, n;
  double deadline;
  pid_t pid;
  (void) state;
  raise_fd_limit(4096);
  mg_mgr_init(&mgr, NULL);
  lc = mg_bind(&mgr, "127.0.0.1:0", echo_handler);
  assert_non_null(lc);
  port = conn_port(lc);
  if ((pid = fork()) == 0) _exit(many_clients(port));
  assert_true(pid > 0);
  st[0] = (int) pid;
  deadline = mg_time() + 60;
  while (!child_done(st) && mg_time() < deadline) {
    mg_mgr_poll(&mgr, 10);
    for (n = 0, c = mg_next(&mgr, NULL); c != NULL; c = mg_next(&mgr, c)) n++;
    if (n > peak) peak = n;
  }
  if (!st[1]) kill(pid, SIGKILL), waitpid(pid, &st[2], 0);
  assert_true(st[1]);
  assert_true(WIFEXITED(st[2]));
  assert_int_equal(WEXITSTATUS(st[2]), 0);
  assert_true(peak >= MANY + 1);  // The listener and MANY live connections
  mg_mgr_free(&mgr);
}

// ---- Descriptors above FD_SETSIZE ------------------------------------------

// The select() iface cannot watch descriptors >= FD_SETSIZE; poll and
// epoll can. The tests below check whichever iface this binary was built
// with (MG_DEFAULT_IFACE).
static int iface_is_select(void) {
  return mg_ifaces[0] == &mg_socket_iface_vtable;
}

// poll/epoll: with every descriptor below FD_SETSIZE in use, a new
// listener, an outbound and an inbound connection still work.
static void check_high_fds_served(struct mg_mgr *mgr, const char *addr) {
  struct mg_connection *lc2;
  static struct client cl2;  // Outlives this function with the connection
  struct mg_connect_opts co;
  char addr2[64];
  lc2 = mg_bind(mgr, "127.0.0.1:0", echo_handler);
  assert_non_null(lc2);
  assert_true(lc2->sock >= FD_SETSIZE);
  snprintf(addr2, sizeof(addr2), "127.0.0.1:%d", conn_port(lc2));
  memset(&cl2, 0, sizeof(cl2));
  cl2.msg = "high";
  memset(&co, 0, sizeof(co));
  co.user_data = &cl2;
  assert_non_null(mg_connect_opt(mgr, addr2, client_handler, co));
  assert_true(poll_until(mgr, reply_complete, &cl2, 5));
  assert_memory_equal(cl2.reply, "high", 4);
  (void) addr;
}

static void test_fd_above_fd_setsize_refused_cleanly(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc;
  struct mg_bind_opts bo;
  struct mg_connect_opts co;
  struct client cl;
  const char *err;
  char addr[64];
  int fillers[FD_SETSIZE], nfill = 0, fd, i, raw, got_eof = 0;
  double deadline;
  (void) state;
  raise_fd_limit(FD_SETSIZE + 256);
  mg_mgr_init(&mgr, NULL);
  lc = mg_bind(&mgr, "127.0.0.1:0", echo_handler);
  assert_non_null(lc);
  snprintf(addr, sizeof(addr), "127.0.0.1:%d", conn_port(lc));
  // An established connection that must keep working.
  memset(&cl, 0, sizeof(cl));
  cl.msg = "still";
  memset(&co, 0, sizeof(co));
  co.user_data = &cl;
  assert_non_null(mg_connect_opt(&mgr, addr, client_handler, co));
  assert_true(poll_until(&mgr, reply_complete, &cl, 5));
  // Use up every descriptor below FD_SETSIZE.
  while ((fd = dup(0)) >= 0 && fd < FD_SETSIZE) fillers[nfill++] = fd;
  assert_true(fd >= FD_SETSIZE);
  close(fd);
  if (!iface_is_select()) {
    check_high_fds_served(&mgr, addr);
    for (i = 0; i < nfill; i++) close(fillers[i]);
    mg_mgr_free(&mgr);
    return;
  }
  // bind and connect now get a descriptor select() cannot watch.
  err = NULL;
  memset(&bo, 0, sizeof(bo));
  bo.error_string = &err;
  mg_log_set_level(MG_LL_NONE);
  assert_null(mg_bind_opt(&mgr, "127.0.0.1:0", echo_handler, bo));
  assert_non_null(strstr(err, "FD_SETSIZE"));
  err = NULL;
  co.error_string = &err;
  assert_null(mg_connect_opt(&mgr, addr, client_handler, co));
  assert_non_null(strstr(err, "FD_SETSIZE"));
  // An inbound connection gets a high descriptor: closed, so the peer
  // (a raw socket here) sees end of stream.
  raw = socket(AF_INET, SOCK_STREAM, 0);
  {
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t) conn_port(lc));
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(raw, (struct sockaddr *) &sin, sizeof(sin)), 0);
  }
  deadline = mg_time() + 5;
  while (!got_eof && mg_time() < deadline) {
    char c;
    mg_mgr_poll(&mgr, 10);
    if (recv(raw, &c, 1, MSG_DONTWAIT) == 0) got_eof = 1;
  }
  mg_log_set_level(MG_LL_ERROR);
  assert_true(got_eof);
  close(raw);
  // The earlier connection still echoes.
  cl.reply_len = 0;
  cl.msg = "working";
  for (i = 0; i < nfill; i++) close(fillers[i]);
  {
    struct mg_connection *c;
    for (c = mg_next(&mgr, NULL); c != NULL; c = mg_next(&mgr, c)) {
      if (c->user_data == &cl) mg_printf(c, "%s", cl.msg);
    }
  }
  assert_true(poll_until(&mgr, reply_complete, &cl, 5));
  assert_memory_equal(cl.reply, "working", 7);
  mg_mgr_free(&mgr);
}

// ---- Manager lifecycle and flags ------------------------------------------

static int s_close_count;

static void close_counter(struct mg_connection *nc, int ev, void *ev_data) {
  (void) nc, (void) ev_data;
  if (ev == MG_EV_CLOSE) s_close_count++;
}

static void test_mgr_free_closes_every_connection(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc, *c;
  char addr[64];
  int i, n = 0;
  (void) state;
  mg_mgr_init(&mgr, NULL);
  lc = mg_bind(&mgr, "127.0.0.1:0", close_counter);
  assert_non_null(lc);
  assert_non_null(mg_bind(&mgr, "udp://127.0.0.1:0", close_counter));
  snprintf(addr, sizeof(addr), "127.0.0.1:%d", conn_port(lc));
  for (i = 0; i < 3; i++)
    assert_non_null(mg_connect(&mgr, addr, close_counter));
  for (i = 0; i < 20; i++) mg_mgr_poll(&mgr, 5);
  for (c = mg_next(&mgr, NULL); c != NULL; c = mg_next(&mgr, c)) n++;
  assert_int_equal(n, 2 + 3 + 3);  // Two listeners, 3 clients, 3 accepted
  s_close_count = 0;
  mg_mgr_free(&mgr);
  assert_int_equal(s_close_count, n);
  assert_null(mgr.active_connections);
}

static void flag_meddler(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev == MG_EV_POLL) {
    // Try to flip core flags; only the user-modifiable ones may stick.
    nc->flags |= MG_F_LISTENING | MG_F_UDP | MG_F_USER_3;
    nc->flags &= ~(unsigned long) MG_F_CONNECTING;
  }
}

static void test_handler_cannot_change_core_flags(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *c;
  sock_t other;
  unsigned long before;
  (void) state;
  mg_mgr_init(&mgr, NULL);
  c = idle_conn(&mgr, flag_meddler, NULL, &other);
  before = c->flags;
  mg_mgr_poll(&mgr, 1);
  assert_int_equal(c->flags, before | MG_F_USER_3);
  mg_mgr_free(&mgr);
  close(other);
}

static void test_poll_returns_event_count(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *c;
  sock_t other;
  (void) state;
  mg_mgr_init(&mgr, NULL);
  c = idle_conn(&mgr, count_handler, NULL, &other);
  assert_int_equal(mg_mgr_poll(&mgr, 1), 0);  // Only MG_EV_POLL: not counted
  assert_int_equal(write(other, "abc", 3), 3);
  // One MG_EV_RECV.
  assert_int_equal(mg_mgr_poll(&mgr, 1000), 1);
  assert_int_equal(c->recv_mbuf.len, 3);
  // A first read gets a small buffer (MG_FIRST_RECV_SIZE), not 16 KiB.
  assert_true(c->recv_mbuf.size <= MG_FIRST_RECV_SIZE);
  mg_mgr_free(&mgr);
  close(other);
}

// A peer that trickles bytes fills the first buffer; only bytes that do
// not fit make it grow (a slowloris client costs MG_FIRST_RECV_SIZE).
static void test_recv_buffer_grows_only_when_full(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *c;
  sock_t other;
  char more[MG_FIRST_RECV_SIZE];
  int i;
  (void) state;
  mg_mgr_init(&mgr, NULL);
  c = idle_conn(&mgr, count_handler, NULL, &other);  // Consumes nothing
  for (i = 0; i < 20; i++) {
    assert_int_equal(write(other, "x", 1), 1);
    assert_int_equal(mg_mgr_poll(&mgr, 1000), 1);
  }
  assert_int_equal(c->recv_mbuf.len, 20);
  assert_true(c->recv_mbuf.size <= MG_FIRST_RECV_SIZE);
  memset(more, 'y', sizeof(more));
  assert_int_equal(write(other, more, sizeof(more)), (int) sizeof(more));
  for (i = 0; i < 100 && c->recv_mbuf.len < 20 + sizeof(more); i++) {
    mg_mgr_poll(&mgr, 100);
  }
  assert_int_equal(c->recv_mbuf.len, 20 + sizeof(more));
  assert_true(c->recv_mbuf.size > MG_FIRST_RECV_SIZE);
  assert_memory_equal(c->recv_mbuf.buf + 20, more, sizeof(more));
  mg_mgr_free(&mgr);
  close(other);
}

static void test_peer_close_flushes_then_closes(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *c;
  sock_t other;
  char buf[16];
  int closed_before;
  (void) state;
  mg_mgr_init(&mgr, NULL);
  c = idle_conn(&mgr, close_counter, NULL, &other);
  mg_send(c, "bye", 3);
  // The peer half-closes before reading: our queued bytes still reach it.
  shutdown(other, SHUT_WR);
  s_close_count = 0;
  closed_before = s_close_count;
  mg_mgr_poll(&mgr, 100);
  mg_mgr_poll(&mgr, 100);
  assert_int_equal(s_close_count, closed_before + 1);
  assert_int_equal(read(other, buf, sizeof(buf)), 3);
  assert_memory_equal(buf, "bye", 3);
  assert_null(mg_next(&mgr, NULL));
  mg_mgr_free(&mgr);
  close(other);
}

static void test_add_sock_refuses_high_descriptor(void **state) {
  struct mg_mgr mgr;
  struct mg_add_sock_opts opts;
  const char *err = NULL;
  sock_t sp[2], high;
  (void) state;
  raise_fd_limit(FD_SETSIZE + 64);
  mg_mgr_init(&mgr, NULL);
  assert_true(mg_socketpair(sp, SOCK_STREAM));
  high = dup2(sp[0], FD_SETSIZE + 10);
  assert_int_equal(high, FD_SETSIZE + 10);
  memset(&opts, 0, sizeof(opts));
  opts.error_string = &err;
  if (!iface_is_select()) {
    // poll/epoll adopt it; the connection owns (and closes) it.
    assert_non_null(mg_add_sock_opt(&mgr, high, count_handler, opts));
    close(sp[0]);
    close(sp[1]);
    mg_mgr_free(&mgr);
    return;
  }
  mg_log_set_level(MG_LL_NONE);
  assert_null(mg_add_sock_opt(&mgr, high, count_handler, opts));
  mg_log_set_level(MG_LL_ERROR);
  assert_non_null(strstr(err, "FD_SETSIZE"));
  assert_null(mg_next(&mgr, NULL));
  close(high);
  close(sp[0]);
  close(sp[1]);
  mg_mgr_free(&mgr);
}

static void test_hexdump_file_records_traffic(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *c;
  sock_t other;
  char path[] = "/tmp/mg_hexdump_XXXXXX", buf[4096];
  FILE *fp;
  size_t n;
  int fd;
  (void) state;
  fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  mg_mgr_init(&mgr, NULL);
  mgr.hexdump_file = path;
  c = idle_conn(&mgr, echo_handler, NULL, &other);
  assert_int_equal(write(other, "ping!", 5), 5);
  mg_mgr_poll(&mgr, 1000);
  assert_int_equal(c->send_mbuf.len, 0);
  assert_int_equal(read(other, buf, sizeof(buf)), 5);
  fp = fopen(path, "r");
  assert_non_null(fp);
  n = fread(buf, 1, sizeof(buf) - 1, fp);
  fclose(fp);
  buf[n] = '\0';
  assert_non_null(strstr(buf, " <- "));
  assert_non_null(strstr(buf, " -> "));
  assert_non_null(strstr(buf, "70 69 6e 67 21"));  // "ping!"
  assert_non_null(strstr(buf, "ping!"));
  unlink(path);
  mg_mgr_free(&mgr);
  close(other);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tcp_echo_ipv4),
      cmocka_unit_test(test_tcp_echo_ipv6),
      cmocka_unit_test(test_tcp_echo_localhost_name),
      cmocka_unit_test(test_udp_echo),
      cmocka_unit_test(test_remote_addr_after_reset),
      cmocka_unit_test(test_udp_listener_answers_each_peer),
      cmocka_unit_test(test_connect_refused_reports_error),
      cmocka_unit_test(test_connect_bad_addresses_fail_synchronously),
      cmocka_unit_test(test_bind_port_in_use_gives_error_string),
      cmocka_unit_test(test_three_timers_fire_in_order),
      cmocka_unit_test(test_poll_wait_is_cut_short_by_timer),
      cmocka_unit_test(test_broadcast_from_four_threads_all_delivered),
      cmocka_unit_test(test_broadcast_oversized_is_refused),
      cmocka_unit_test(test_send_and_close_delivers_10mb_then_closes),
      cmocka_unit_test(test_recv_mbuf_limit_bounds_buffer),
      cmocka_unit_test(test_thousand_simultaneous_connections_echo),
      cmocka_unit_test(test_fd_above_fd_setsize_refused_cleanly),
      cmocka_unit_test(test_mgr_free_closes_every_connection),
      cmocka_unit_test(test_handler_cannot_change_core_flags),
      cmocka_unit_test(test_poll_returns_event_count),
      cmocka_unit_test(test_recv_buffer_grows_only_when_full),
      cmocka_unit_test(test_peer_close_flushes_then_closes),
      cmocka_unit_test(test_add_sock_refuses_high_descriptor),
      cmocka_unit_test(test_hexdump_file_records_traffic),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
