// The iface seam: the core reaches sockets only through the vtable. A vtable
// written for 6.x (nothing after get_conn_addr) still works; the entries
// beyond 6.x (sendfile, the wakeup channel) are used when an iface has them.
// This test builds mongoose.c itself to reach mg_conn_sendfile().
#include "../../mongoose.c"
#include "net_util.h"

// A vtable as a 6.x application writes it: the 6.x entries of the default
// iface, and NULL in every entry that 6.x did not have.
static struct mg_iface_vtable s_vt6;

static void make_6x_vtable(void) {
  memset(&s_vt6, 0, sizeof(s_vt6));
  memcpy(&s_vt6, &MG_DEFAULT_IFACE, offsetof(struct mg_iface_vtable, sendfile));
}

static void init_mgr(struct mg_mgr *mgr, const struct mg_iface_vtable *vt) {
  struct mg_mgr_init_opts opts;
  memset(&opts, 0, sizeof(opts));
  opts.main_iface = vt;
  mg_mgr_init_opt(mgr, NULL, opts);
}

static void echo_handler(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev == MG_EV_RECV) {
    mg_send(nc, nc->recv_mbuf.buf, (int) nc->recv_mbuf.len);
    mbuf_remove(&nc->recv_mbuf, nc->recv_mbuf.len);
  }
}

// Records the first accepted connection in the listener's user_data.
static void accept_handler(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev == MG_EV_ACCEPT && *(struct mg_connection **) nc->user_data == NULL) {
    *(struct mg_connection **) nc->user_data = nc;
  }
}

static int conn_accepted(void *arg) {
  return *(struct mg_connection **) arg != NULL;
}

// Binds a listener on iface vt of mgr, connects a raw socket to it and
// returns the server side of that connection; *fd is the raw socket.
static struct mg_connection *accepted_conn(struct mg_mgr *mgr,
                                           struct mg_connection **slot,
                                           int *fd) {
  struct mg_bind_opts opts;
  struct mg_connection *lc;
  *slot = NULL;
  memset(&opts, 0, sizeof(opts));
  opts.user_data = slot;
  lc = mg_bind_opt(mgr, "127.0.0.1:0", accept_handler, opts);
  assert_non_null(lc);
  *fd = raw_connect(conn_port(lc));
  assert_true(poll_until(mgr, conn_accepted, slot, 5));
  return *slot;
}

static int s_bcast_calls;

static void bcast_cb(struct mg_connection *nc, int ev, void *ev_data) {
  (void) nc, (void) ev, (void) ev_data;
  s_bcast_calls++;
}

static void test_6x_vtable_serves_tcp_echo(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc;
  char buf[16];
  size_t n = 0;
  double deadline;
  int fd;
  (void) state;
  make_6x_vtable();
  init_mgr(&mgr, &s_vt6);
  lc = mg_bind(&mgr, "127.0.0.1:0", echo_handler);
  assert_non_null(lc);
  assert_true(lc->iface->vtable == &s_vt6);
  fd = raw_connect(conn_port(lc));
  raw_send(&mgr, fd, "ping", 4);
  deadline = mg_time() + 5;
  while (n < 4 && mg_time() < deadline) {
    ssize_t k;
    mg_mgr_poll(&mgr, 1);
    if ((k = recv(fd, buf + n, sizeof(buf) - n, 0)) > 0) n += (size_t) k;
  }
  assert_int_equal(n, 4);
  assert_memory_equal(buf, "ping", 4);
  close(fd);
  mg_mgr_free(&mgr);
}

// Without the wakeup channel entries no channel is opened, and
// mg_broadcast() logs why and delivers nothing.
static void test_6x_vtable_broadcast_fails_with_a_log(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *slot;
  char log[512];
  FILE *fp = tmpfile();
  size_t n;
  int fd;
  (void) state;
  assert_non_null(fp);
  make_6x_vtable();
  init_mgr(&mgr, &s_vt6);
  assert_true(mgr.ctl[0] == INVALID_SOCKET && mgr.ctl[1] == INVALID_SOCKET);
  assert_non_null(accepted_conn(&mgr, &slot, &fd));
  s_bcast_calls = 0;
  mg_log_set_file(fp);
  mg_broadcast(&mgr, bcast_cb, (void *) "x", 1);
  mg_log_set_file(NULL);
  mg_mgr_poll(&mgr, 20);
  assert_int_equal(s_bcast_calls, 0);
  rewind(fp);
  n = fread(log, 1, sizeof(log) - 1, fp);
  log[n] = '\0';
  assert_non_null(strstr(log, "mg_broadcast: the main iface has no wakeup"));
  fclose(fp);
  close(fd);
  mg_mgr_free(&mgr);
}

// Counts the messages the core hands to the main iface's channel.
static int s_ctl_sends;

static int counting_ctl_send(struct mg_mgr *mgr, const void *msg, size_t len) {
  s_ctl_sends++;
  return MG_DEFAULT_IFACE.ctl_send(mgr, msg, len);
}

static int bcast_delivered(void *arg) {
  (void) arg;
  return s_bcast_calls > 0;
}

// mg_broadcast() goes through the main iface's ctl_send, and what the iface
// queues comes back through ctl_recv to every connection.
static void test_broadcast_goes_through_the_main_iface(void **state) {
  static struct mg_iface_vtable vt;
  struct mg_mgr mgr;
  struct mg_connection *slot;
  int fd;
  (void) state;
  vt = MG_DEFAULT_IFACE;
  vt.ctl_send = counting_ctl_send;
  init_mgr(&mgr, &vt);
  // The listener and its accepted connection: two connections.
  assert_non_null(accepted_conn(&mgr, &slot, &fd));
  s_bcast_calls = s_ctl_sends = 0;
  mg_broadcast(&mgr, bcast_cb, (void *) "x", 1);
  assert_int_equal(s_ctl_sends, 1);
  assert_true(poll_until(&mgr, bcast_delivered, NULL, 5));
  assert_int_equal(s_bcast_calls, 2);
  close(fd);
  mg_mgr_free(&mgr);
  assert_true(mgr.ctl[0] == INVALID_SOCKET && mgr.ctl[1] == INVALID_SOCKET);
}

// A temporary file holding s; returns its descriptor.
static int temp_file(const char *s) {
  char path[] = "/tmp/mg_iface_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  unlink(path);
  assert_int_equal(write(fd, s, strlen(s)), (ssize_t) strlen(s));
  return fd;
}

static void test_6x_vtable_has_no_sendfile(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *slot, *nc;
  int64_t off = 0;
  int fd, file = temp_file("file bytes");
  (void) state;
  make_6x_vtable();
  init_mgr(&mgr, &s_vt6);
  nc = accepted_conn(&mgr, &slot, &fd);
  assert_non_null(nc);
  assert_int_equal(mg_conn_sendfile(nc, file, &off, 10), -2);
  assert_true(off == 0);
  close(file);
  close(fd);
  mg_mgr_free(&mgr);
}

// The socket ifaces send files with sendfile() on Linux, except when a
// traffic dump must see the bytes.
static void test_socket_iface_sendfile_sends_the_file(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *slot, *nc;
  char buf[16];
  size_t n = 0;
  double deadline;
  int64_t off = 5;
  long sent;
  int fd, file = temp_file("skip file bytes");
  (void) state;
  mg_mgr_init(&mgr, NULL);
  nc = accepted_conn(&mgr, &slot, &fd);
  assert_non_null(nc);
  mgr.hexdump_file = "/dev/null";
  assert_int_equal(mg_conn_sendfile(nc, file, &off, 10), -2);
  mgr.hexdump_file = NULL;
  sent = mg_conn_sendfile(nc, file, &off, 10);
#if defined(__linux__)
  assert_int_equal(sent, 10);
  assert_true(off == 15);
  deadline = mg_time() + 5;
  while (n < 10 && mg_time() < deadline) {
    ssize_t k = recv(fd, buf + n, sizeof(buf) - n, 0);
    if (k > 0) n += (size_t) k;
  }
  assert_int_equal(n, 10);
  assert_memory_equal(buf, "file bytes", 10);
#else
  assert_int_equal(sent, -2);
  (void) buf, (void) n, (void) deadline;
#endif
  close(file);
  close(fd);
  mg_mgr_free(&mgr);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_6x_vtable_serves_tcp_echo),
      cmocka_unit_test(test_6x_vtable_broadcast_fails_with_a_log),
      cmocka_unit_test(test_broadcast_goes_through_the_main_iface),
      cmocka_unit_test(test_6x_vtable_has_no_sendfile),
      cmocka_unit_test(test_socket_iface_sendfile_sends_the_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
