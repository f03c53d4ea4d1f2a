// Net tests for TLS (MG_ENABLE_SSL): our client against our server in one
// manager, over 127.0.0.1, with the certificates test/tls_certs.sh makes
// in the group setup (into a mkdtemp() directory, removed at the end).
// Raw sockets play the broken peers: half a ClientHello, garbage, silence.
// Built without TLS, the file tests what a user sees then: https:// and
// wss:// URLs are refused with an error that says TLS is not built.
#include "net_util.h"  // First: mongoose.h sets the feature macros

#include <sys/wait.h>

#if MG_ENABLE_SSL

// ---- Certificates -----------------------------------------------------------

static char s_dir[64];  // The scratch directory: certificates, root/
static char s_root[128];
static char s_ca[128], s_other_ca[128];
static char s_server_pem[128], s_server_key[128], s_combined[128];
static char s_wrong_pem[128], s_wrong_key[128];
static char s_expired_pem[128], s_expired_key[128];
static char s_client_pem[128], s_client_key[128];

#define BIG_FILE_SIZE (1024 * 1024 + 3)  // root/big.bin
#define LIMIT 1000                       // The small recv_mbuf_limit

static void path_join(char *buf, size_t len, const char *dir,
                      const char *name) {
  int n = snprintf(buf, len, "%s/%s", dir, name);
  assert_true(n > 0 && (size_t) n < len);
}

// The byte at offset i of every test stream: positional, so that a lost,
// doubled or moved byte shows where it happened.
static unsigned char pat(size_t i) {
  return (unsigned char) ((i * 131u) ^ (i >> 8) ^ (i >> 17));
}

// Runs test/tls_certs.sh DIR (from the repo root, as the tests run), for
// at most 60 s. Returns 0 when it succeeded.
static int make_certs(const char *dir) {
  struct timespec ts = {0, 10000000};
  double deadline = mg_time() + 60;
  pid_t pid;
  int st = 0;
  fflush(NULL);
  pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    execl("/bin/sh", "sh", "test/tls_certs.sh", dir, (char *) NULL);
    _exit(127);
  }
  while (waitpid(pid, &st, WNOHANG) == 0) {
    if (mg_time() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      return -1;
    }
    nanosleep(&ts, NULL);
  }
  return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int setup_certs(void **state) {
  char path[256];
  unsigned char *p;
  FILE *fp;
  size_t i;
  (void) state;
  snprintf(s_dir, sizeof(s_dir), "/tmp/mg_tls_XXXXXX");
  if (mkdtemp(s_dir) == NULL) return -1;
  if (make_certs(s_dir) != 0) {
    print_message("test/tls_certs.sh failed (run from the repo root; it "
                  "needs openssl: apt-get install -y openssl)\n");
    return -1;
  }
  path_join(s_ca, sizeof(s_ca), s_dir, "ca.pem");
  path_join(s_other_ca, sizeof(s_other_ca), s_dir, "other_ca.pem");
  path_join(s_server_pem, sizeof(s_server_pem), s_dir, "server.pem");
  path_join(s_server_key, sizeof(s_server_key), s_dir, "server.key");
  path_join(s_combined, sizeof(s_combined), s_dir, "server_combined.pem");
  path_join(s_wrong_pem, sizeof(s_wrong_pem), s_dir, "wrongname.pem");
  path_join(s_wrong_key, sizeof(s_wrong_key), s_dir, "wrongname.key");
  path_join(s_expired_pem, sizeof(s_expired_pem), s_dir, "expired.pem");
  path_join(s_expired_key, sizeof(s_expired_key), s_dir, "expired.key");
  path_join(s_client_pem, sizeof(s_client_pem), s_dir, "client.pem");
  path_join(s_client_key, sizeof(s_client_key), s_dir, "client.key");
  path_join(s_root, sizeof(s_root), s_dir, "root");
  if (mkdir(s_root, 0755) != 0) return -1;
  path_join(path, sizeof(path), s_root, "big.bin");
  if ((p = (unsigned char *) malloc(BIG_FILE_SIZE)) == NULL) return -1;
  for (i = 0; i < BIG_FILE_SIZE; i++) p[i] = pat(i);
  fp = fopen(path, "wb");
  if (fp == NULL || fwrite(p, 1, BIG_FILE_SIZE, fp) != BIG_FILE_SIZE) {
    free(p);
    if (fp != NULL) fclose(fp);
    return -1;
  }
  free(p);
  return fclose(fp) == 0 ? 0 : -1;
}

static void remove_dir(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char path[512];
  if (d == NULL) return;
  while ((e = readdir(d)) != NULL) {
    struct stat st;
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
      remove_dir(path);
    } else {
      unlink(path);
    }
  }
  closedir(d);
  rmdir(dir);
}

static int teardown_certs(void **state) {
  (void) state;
  remove_dir(s_dir);
  return 0;
}

// ---- The server ---------------------------------------------------------------

#define SRV_ECHO 1   // Sends back what it receives
#define SRV_SINK 2   // Checks received bytes against pat() and drops them
#define SRV_BURST 4  // Sends burst bytes of pat() when a client is accepted
#define SRV_HTTP 8   // HTTP and WebSocket (set by http_start())

// Accepted connections carry this flag (the listener may be gone).
#define F_ACCEPTED MG_F_USER_1

struct fix {
  struct mg_mgr mgr;
  struct mg_connection *lc;
  int port;
  int mode;          // SRV_* bits
  size_t srv_limit;  // recv_mbuf_limit of accepted connections (0: default)
  size_t burst;      // SRV_BURST: bytes sent
  int accepts;       // MG_EV_ACCEPT seen
  int accepts_early; // ... of those without MG_F_SSL_HANDSHAKE_DONE
  int recv_before_accept;  // MG_EV_RECV on a connection not accepted yet
  int srv_closes;          // MG_EV_CLOSE of accepted connections
  size_t sunk;             // SRV_SINK: bytes checked
  size_t sink_bad;         // SRV_SINK: mismatches
};

// The running fixture, freed by teardown() if a test failed half-way.
static struct fix *s_live;
static void *s_garbage;  // A buffer a test allocated, freed by teardown()

static int teardown(void **state) {
  (void) state;
  if (s_live != NULL) mg_mgr_free(&s_live->mgr);
  s_live = NULL;
  free(s_garbage);
  s_garbage = NULL;
  return 0;
}

static void fix_stop(struct fix *f) {
  mg_mgr_free(&f->mgr);
  s_live = NULL;
}

static void sink_check(struct fix *f, struct mbuf *io) {
  size_t i;
  for (i = 0; i < io->len; i++) {
    if ((unsigned char) io->buf[i] != pat(f->sunk + i)) f->sink_bad++;
  }
  f->sunk += io->len;
  mbuf_remove(io, io->len);
}

static void srv_accept(struct mg_connection *nc, struct fix *f) {
  size_t i;
  f->accepts++;
  nc->flags |= F_ACCEPTED;
  if (!(nc->flags & MG_F_SSL_HANDSHAKE_DONE)) f->accepts_early++;
  if (f->srv_limit > 0) nc->recv_mbuf_limit = f->srv_limit;
  if (f->mode & SRV_BURST) {
    char *p = (char *) malloc(f->burst);
    assert_non_null(p);
    for (i = 0; i < f->burst; i++) p[i] = (char) pat(i);
    mg_send(nc, p, (int) f->burst);
    free(p);
  }
}

static void srv_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct fix *f = (struct fix *) nc->mgr->user_data;
  struct mbuf *io = &nc->recv_mbuf;
  (void) ev_data;
  if (ev == MG_EV_ACCEPT) {
    srv_accept(nc, f);
  } else if (ev == MG_EV_RECV) {
    if (!(nc->flags & F_ACCEPTED)) f->recv_before_accept++;
    if (f->mode & SRV_ECHO) {
      mg_send(nc, io->buf, (int) io->len);
      mbuf_remove(io, io->len);
    } else if (f->mode & SRV_SINK) {
      sink_check(f, io);
    }
  } else if (ev == MG_EV_CLOSE && (nc->flags & F_ACCEPTED)) {
    f->srv_closes++;
  }
}

static void fix_init(struct fix *f, int mode) {
  memset(f, 0, sizeof(*f));
  s_live = f;
  f->mode = mode;
  mg_mgr_init(&f->mgr, f);
}

// Binds a TLS listener on 127.0.0.1 with cert, key and (if not NULL) ca
// to require client certificates.
static struct mg_connection *tls_bind(struct fix *f, mg_event_handler_t h,
                                      const char *addr, const char *cert,
                                      const char *key, const char *ca) {
  struct mg_bind_opts bo;
  const char *err = NULL;
  struct mg_connection *lc;
  memset(&bo, 0, sizeof(bo));
  bo.error_string = &err;
  bo.ssl_cert = cert;
  bo.ssl_key = key;
  bo.ssl_ca_cert = ca;
  lc = mg_bind_opt(&f->mgr, addr, h, bo);
  if (lc == NULL) fail_msg("mg_bind_opt(%s, %s): %s", addr, cert, err);
  return lc;
}

static void srv_start(struct fix *f, int mode, const char *cert,
                      const char *key, const char *ca) {
  fix_init(f, mode);
  f->lc = tls_bind(f, srv_handler, "127.0.0.1:0", cert, key, ca);
  f->port = conn_port(f->lc);
}

// Accepted connections that are still open.
static int num_accepted(struct fix *f) {
  struct mg_connection *nc;
  int n = 0;
  for (nc = mg_next(&f->mgr, NULL); nc != NULL; nc = mg_next(&f->mgr, nc)) {
    if (nc->flags & F_ACCEPTED) n++;
  }
  return n;
}

// Open connections of the manager, listeners included.
static int num_conns(struct fix *f) {
  struct mg_connection *nc;
  int n = 0;
  for (nc = mg_next(&f->mgr, NULL); nc != NULL; nc = mg_next(&f->mgr, nc)) n++;
  return n;
}

// ---- Our client ---------------------------------------------------------------

struct cli {
  int connects, err, closes;
  size_t to_send;       // Bytes of pat() to stream once connected
  size_t sent;          // ... queued so far
  size_t got, bad;      // Bytes received and checked against pat()
  size_t limit;         // recv_mbuf_limit (0: default)
  int consume_on_poll;  // Read recv_mbuf in MG_EV_POLL, not MG_EV_RECV
  int one_byte;         // Send one byte, then wait for its echo
};

static void cli_check(struct cli *c, struct mbuf *io) {
  size_t i;
  for (i = 0; i < io->len; i++) {
    if ((unsigned char) io->buf[i] != pat(c->got + i)) c->bad++;
  }
  c->got += io->len;
  mbuf_remove(io, io->len);
}

// Queues more of the stream, keeping at most 64 KiB in send_mbuf.
static void cli_feed(struct mg_connection *nc, struct cli *c) {
  char buf[16384];
  size_t i, n;
  if (c->connects == 0 || c->err != 0) return;
  if (c->one_byte) {
    if (c->sent < c->to_send && c->got == c->sent && nc->send_mbuf.len == 0) {
      buf[0] = (char) pat(c->sent++);
      mg_send(nc, buf, 1);
    }
    return;
  }
  while (c->sent < c->to_send && nc->send_mbuf.len < 65536) {
    n = c->to_send - c->sent < sizeof(buf) ? c->to_send - c->sent : sizeof(buf);
    for (i = 0; i < n; i++) buf[i] = (char) pat(c->sent + i);
    mg_send(nc, buf, (int) n);
    c->sent += n;
  }
}

static void cli_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct cli *c = (struct cli *) nc->user_data;
  if (ev == MG_EV_CONNECT) {
    c->connects++;
    c->err = *(int *) ev_data;
    if (c->limit > 0) nc->recv_mbuf_limit = c->limit;
    cli_feed(nc, c);
  } else if (ev == MG_EV_RECV) {
    if (!c->consume_on_poll) cli_check(c, &nc->recv_mbuf);
    cli_feed(nc, c);
  } else if (ev == MG_EV_POLL || ev == MG_EV_SEND) {
    if (c->consume_on_poll && ev == MG_EV_POLL) cli_check(c, &nc->recv_mbuf);
    cli_feed(nc, c);
  } else if (ev == MG_EV_CLOSE) {
    c->closes++;
  }
}

// Default client options: the test CA.
static struct mg_connect_opts cli_opts(void) {
  struct mg_connect_opts o;
  memset(&o, 0, sizeof(o));
  o.ssl_ca_cert = s_ca;
  return o;
}

// Connects c to addr ("" = 127.0.0.1:f->port) with options o.
static struct mg_connection *cli_start(struct fix *f, struct cli *c,
                                       const char *addr,
                                       struct mg_connect_opts o) {
  char buf[64];
  const char *err = NULL;
  struct mg_connection *nc;
  if (addr[0] == '\0') {
    snprintf(buf, sizeof(buf), "127.0.0.1:%d", f->port);
    addr = buf;
  }
  o.user_data = c;
  o.error_string = &err;
  nc = mg_connect_opt(&f->mgr, addr, cli_handler, o);
  if (nc == NULL) fail_msg("mg_connect_opt(%s): %s", addr, err);
  return nc;
}

static int cli_connected(void *arg) {
  struct cli *c = (struct cli *) arg;
  return c->connects > 0 || c->closes > 0;
}

static int cli_closed(void *arg) {
  return ((struct cli *) arg)->closes > 0;
}

static int cli_got_all(void *arg) {
  struct cli *c = (struct cli *) arg;
  return (c->to_send > 0 && c->got >= c->to_send) || c->closes > 0;
}

// Connects with o and returns the MG_EV_CONNECT error (fails if none came).
static int connect_result(struct fix *f, struct cli *c, const char *addr,
                          struct mg_connect_opts o) {
  memset(c, 0, sizeof(*c));
  cli_start(f, c, addr, o);
  assert_true(poll_until(&f->mgr, cli_connected, c, 20));
  assert_int_equal(c->connects, 1);
  return c->err;
}

// Connects with o, streams n bytes, expects them back (SRV_ECHO).
static void echo_ok(struct fix *f, const char *addr, struct mg_connect_opts o,
                    size_t n) {
  static struct cli c;
  memset(&c, 0, sizeof(c));
  c.to_send = n;
  cli_start(f, &c, addr, o);
  assert_true(poll_until(&f->mgr, cli_got_all, &c, 30));
  assert_int_equal(c.connects, 1);
  assert_int_equal(c.err, 0);
  assert_int_equal(c.got, n);
  assert_int_equal(c.bad, 0);
  assert_int_equal(c.closes, 0);
}

// Big transfers: 16 MiB, less under valgrind (run_tests.sh sets VALGRIND=1).
static size_t big_size(void) {
  return getenv("VALGRIND") != NULL ? 2 * 1024 * 1024 : 16 * 1024 * 1024;
}

// ---- Handshake and verification ------------------------------------------------

static void test_tls_handshake_and_echo(void **state) {
  static struct fix f;
  (void) state;
  srv_start(&f, SRV_ECHO, s_server_pem, s_server_key, NULL);
  echo_ok(&f, "", cli_opts(), 5000);
  assert_int_equal(f.accepts, 1);
  fix_stop(&f);
}

static void test_tls_combined_cert_and_key_file(void **state) {
  static struct fix f;
  (void) state;
  srv_start(&f, SRV_ECHO, s_combined, NULL, NULL);
  echo_ok(&f, "", cli_opts(), 100);
  fix_stop(&f);
}

// MG_EV_ACCEPT comes once the handshake is done, and no data before it.
static void test_tls_accept_fires_after_handshake(void **state) {
  static struct fix f;
  static struct cli c;
  (void) state;
  srv_start(&f, SRV_ECHO, s_server_pem, s_server_key, NULL);
  memset(&c, 0, sizeof(c));
  c.to_send = 10;
  cli_start(&f, &c, "", cli_opts());
  // The TCP connection is accepted at once; the event waits.
  assert_true(poll_until(&f.mgr, cli_got_all, &c, 20));
  assert_int_equal(c.got, 10);
  assert_int_equal(f.accepts, 1);
  assert_int_equal(f.accepts_early, 0);
  assert_int_equal(f.recv_before_accept, 0);
  fix_stop(&f);
}

// A raw TCP connection that never starts a handshake is not accepted.
static void test_tls_no_accept_event_without_handshake(void **state) {
  static struct fix f;
  int fd, i;
  (void) state;
  srv_start(&f, SRV_ECHO, s_server_pem, s_server_key, NULL);
  fd = raw_connect(f.port);
  for (i = 0; i < 50; i++) mg_mgr_poll(&f.mgr, 1);
  assert_int_equal(f.accepts, 0);
  assert_int_equal(num_conns(&f), 2);  // The listener and the raw one
  close(fd);
  fix_stop(&f);
}

static void test_tls_wrong_ca_gives_etls_cert(void **state) {
  static struct fix f;
  static struct cli c;
  struct mg_connect_opts o = cli_opts();
  (void) state;
  srv_start(&f, SRV_ECHO, s_server_pem, s_server_key, NULL);
  o.ssl_ca_cert = s_other_ca;
  assert_int_equal(connect_result(&f, &c, "", o), MG_ETLS_CERT);
  assert_true(poll_until(&f.mgr, cli_closed, &c, 10));
  assert_int_equal(f.accepts, 0);
  fix_stop(&f);
}

// Without ssl_ca_cert the system store verifies: our test CA is not in it.
static void test_tls_default_trust_store_rejects_test_ca(void **state) {
  static struct fix f;
  static struct cli c;
  struct mg_connect_opts o;
  (void) state;
  srv_start(&f, SRV_ECHO, s_server_pem, s_server_key, NULL);
  memset(&o, 0, sizeof(o));
  o.flags = MG_F_SSL;
  assert_int_equal(connect_result(&f, &c, "", o), MG_ETLS_CERT);
  fix_stop(&f);
}

static void test_tls_expired_cert_gives_etls_cert(void **state) {
  static struct fix f;
  static struct cli c;
  (void) state;
  srv_start(&f, SRV_ECHO, s_expired_pem, s_expired_key, NULL);
  assert_int_equal(connect_result(&f, &c, "", cli_opts()), MG_ETLS_CERT);
  fix_stop(&f);
}

// The address 127.0.0.1 is verified against the IP SANs: wrongname.pem
// has DNS:example.invalid only.
static void test_tls_ip_not_in_cert_gives_etls_hostname(void **state) {
  static struct fix f;
  static struct cli c;
  (void) state;
  srv_start(&f, SRV_ECHO, s_wrong_pem, s_wrong_key, NULL);
  assert_int_equal(connect_result(&f, &c, "", cli_opts()), MG_ETLS_HOSTNAME);
  fix_stop(&f);
}

static void test_tls_server_name_mismatch_gives_etls_hostname(void **state) {
  static struct fix f;
  static struct cli c;
  struct mg_connect_opts o = cli_opts();
  (void) state;
  srv_start(&f, SRV_ECHO, s_server_pem, s_server_key, NULL);
  o.ssl_server_name = "www.example.com";
  assert_int_equal(connect_result(&f, &c, "", o), MG_ETLS_HOSTNAME);
  fix_stop(&f);
}

static void test_tls_server_name_matching_dns_san_accepted(void **state) {
  static struct fix f;
  struct mg_connect_opts o = cli_opts();
  (void) state;
  srv_start(&f, SRV_ECHO, s_server_pem, s_server_key, NULL);
  o.ssl_server_name = "localhost";
  echo_ok(&f, "", o, 100);
  // The name that wrongname.pem carries, at an address it does not.
  fix_stop(&f);
  srv_start(&f, SRV_ECHO, s_wrong_pem, s_wrong_key, NULL);
  o.ssl_server_name = "example.invalid";
  echo_ok(&f, "", o, 100);
  fix_stop(&f);
}

// ssl_ca_cert "*": no verification at all (unknown CA, wrong name, expired).
static void test_tls_ca_star_accepts_any_cert(void **state) {
  static struct fix f;
  struct mg_connect_opts o = cli_opts();
  (void) state;
  o.ssl_ca_cert = "*";
  srv_start(&f, SRV_ECHO, s_wrong_pem, s_wrong_key, NULL);
  echo_ok(&f, "", o, 100);
  fix_stop(&f);
  srv_start(&f, SRV_ECHO, s_expired_pem, s_expired_key, NULL);
  echo_ok(&f, "", o, 100);
  fix_stop(&f);
}

// ssl_server_name "*": the chain is verified, the name is not.
static void test_tls_server_name_star_skips_name_check_only(void **state) {
  static struct fix f;
  static struct cli c;
  struct mg_connect_opts o = cli_opts();
  (void) state;
  o.ssl_server_name = "*";
  srv_start(&f, SRV_ECHO, s_wrong_pem, s_wrong_key, NULL);
  echo_ok(&f, "", o, 100);
  fix_stop(&f);
  srv_start(&f, SRV_ECHO, s_wrong_pem, s_wrong_key, NULL);
  o.ssl_ca_cert = s_other_ca;
  assert_int_equal(connect_result(&f, &c, "", o), MG_ETLS_CERT);
  fix_stop(&f);
}

static void test_tls_ipv6_loopback_matches_ip_san(void **state) {
  static struct fix f;
  struct mg_connection *lc;
  char addr[64];
  (void) state;
  fix_init(&f, SRV_ECHO);
  {
    struct mg_bind_opts bo;
    const char *err = NULL;
    memset(&bo, 0, sizeof(bo));
    bo.error_string = &err;
    bo.ssl_cert = s_server_pem;
    bo.ssl_key = s_server_key;
    lc = mg_bind_opt(&f.mgr, "tcp://[::1]:0", srv_handler, bo);
  }
  if (lc == NULL) {
    fix_stop(&f);
    print_message("SKIP: no IPv6 loopback (::1) here; enable it with: "
                  "sysctl -w net.ipv6.conf.lo.disable_ipv6=0\n");
    skip();
  }
  snprintf(addr, sizeof(addr), "tcp://[::1]:%d", conn_port(lc));
  echo_ok(&f, addr, cli_opts(), 100);
  fix_stop(&f);
}

// ---- Client certificates ---------------------------------------------------------

// A server with ssl_ca_cert asks for a client certificate. Without one the
// handshake fails on the server: no MG_EV_ACCEPT, no data. (With TLS 1.3
// the client may see MG_EV_CONNECT 0 first, then the server's alert.)
static void test_tls_client_cert_required_refused_without(void **state) {
  static struct fix f;
  static struct cli c;
  (void) state;
  srv_start(&f, SRV_ECHO, s_server_pem, s_server_key, s_ca);
  memset(&c, 0, sizeof(c));
  c.to_send = 10;
  cli_start(&f, &c, "", cli_opts());
  assert_true(poll_until(&f.mgr, cli_closed, &c, 20));
  assert_int_equal(c.got, 0);
  assert_int_equal(f.accepts, 0);
  if (c.connects > 0 && c.err != 0) {
    assert_true(c.err == MG_ETLS_PROTO || c.err == MG_ETLS_CERT ||
                c.err == MG_ETLS_CLOSED);
  }
  fix_stop(&f);
}

static void test_tls_client_cert_required_accepted_with(void **state) {
  static struct fix f;
  struct mg_connect_opts o = cli_opts();
  (void) state;
  srv_start(&f, SRV_ECHO, s_server_pem, s_server_key, s_ca);
  o.ssl_cert = s_client_pem;
  o.ssl_key = s_client_key;
  echo_ok(&f, "", o, 1000);
  assert_int_equal(f.accepts, 1);
  fix_stop(&f);
}

// A certificate from a CA the server does not trust is refused too.
static void test_tls_client_cert_from_other_ca_refused(void **state) {
  static struct fix f;
  static struct cli c;
  struct mg_connect_opts o = cli_opts();
  (void) state;
  srv_start(&f, SRV_ECHO, s_server_pem, s_server_key, s_other_ca);
  o.ssl_cert = s_client_pem;
  o.ssl_key = s_client_key;
  memset(&c, 0, sizeof(c));
  c.to_send = 10;
  cli_start(&f, &c, "", o);
  assert_true(poll_until(&f.mgr, cli_closed, &c, 20));
  assert_int_equal(c.got, 0);
  assert_int_equal(f.accepts, 0);
  fix_stop(&f);
}

// ---- Setup errors -------------------------------------------------------------------

static void test_tls_bind_missing_cert_returns_null_with_error(void **state) {
  static struct fix f;
  struct mg_bind_opts bo;
  const char *err = NULL;
  char path[256];
  (void) state;
  fix_init(&f, SRV_ECHO);
  path_join(path, sizeof(path), s_dir, "no-such.pem");
  memset(&bo, 0, sizeof(bo));
  bo.error_string = &err;
  bo.ssl_cert = path;
  assert_null(mg_bind_opt(&f.mgr, "127.0.0.1:0", srv_handler, bo));
  assert_non_null(err);
  // A key that does not belong to the certificate.
  err = NULL;
  bo.ssl_cert = s_server_pem;
  bo.ssl_key = s_client_key;
  assert_null(mg_bind_opt(&f.mgr, "127.0.0.1:0", srv_handler, bo));
  assert_non_null(err);
  assert_int_equal(num_conns(&f), 0);
  fix_stop(&f);
}

static void test_tls_connect_missing_ca_returns_null_with_error(void **state) {
  static struct fix f;
  struct mg_connect_opts o = cli_opts();
  const char *err = NULL;
  char path[256];
  (void) state;
  srv_start(&f, SRV_ECHO, s_server_pem, s_server_key, NULL);
  path_join(path, sizeof(path), s_dir, "no-such-ca.pem");
  o.ssl_ca_cert = path;
  o.error_string = &err;
  assert_null(mg_connect_opt(&f.mgr, "127.0.0.1:1", cli_handler, o));
  assert_non_null(err);
  assert_int_equal(num_conns(&f), 1);
  fix_stop(&f);
}

// The deprecated 6.x call: mg_set_ssl() on a plain listener and on a
// client that has not connected yet.
static void test_tls_mg_set_ssl_listener_and_client(void **state) {
  static struct fix f;
  static struct cli c;
  struct mg_connection *nc;
  char addr[64];
  (void) state;
  fix_init(&f, SRV_ECHO);
  f.lc = mg_bind(&f.mgr, "127.0.0.1:0", srv_handler);
  assert_non_null(f.lc);
  assert_null(mg_set_ssl(f.lc, s_combined, NULL));
  f.port = conn_port(f.lc);
  memset(&c, 0, sizeof(c));
  c.to_send = 300;
  snprintf(addr, sizeof(addr), "127.0.0.1:%d", f.port);
  nc = mg_connect(&f.mgr, addr, cli_handler);
  assert_non_null(nc);
  nc->user_data = &c;
  assert_null(mg_set_ssl(nc, NULL, s_ca));
  assert_true(poll_until(&f.mgr, cli_got_all, &c, 20));
  assert_int_equal(c.err, 0);
  assert_int_equal(c.got, 300);
  assert_int_equal(c.bad, 0);
  assert_int_equal(f.accepts, 1);
  fix_stop(&f);
}

// ---- Data ---------------------------------------------------------------------------

// 16 MiB each way at once, default buffers: the client streams to a
// checking sink while the server streams 16 MiB to the client.
static void test_tls_16mib_each_way_byte_exact(void **state) {
  static struct fix f;
  static struct cli c;
  size_t n = big_size();
  (void) state;
  srv_start(&f, SRV_SINK | SRV_BURST, s_server_pem, s_server_key, NULL);
  f.burst = n;
  memset(&c, 0, sizeof(c));
  c.to_send = n;
  cli_start(&f, &c, "", cli_opts());
  assert_true(poll_until(&f.mgr, cli_got_all, &c, 120));
  {
    double deadline = mg_time() + 60;
    while (f.sunk < n && mg_time() < deadline) mg_mgr_poll(&f.mgr, 10);
  }
  assert_int_equal(c.err, 0);
  assert_int_equal(c.got, n);
  assert_int_equal(c.bad, 0);
  assert_int_equal(f.sunk, n);
  assert_int_equal(f.sink_bad, 0);
  assert_int_equal(c.closes, 0);
  fix_stop(&f);
}

// The same through recv_mbuf_limit 1000 on both ends: every read takes
// less than a TLS record, so most bytes wait inside the TLS library where
// socket readiness cannot see them.
static void test_tls_16mib_echo_small_recv_limits(void **state) {
  static struct fix f;
  static struct cli c;
  size_t n = big_size();
  (void) state;
  srv_start(&f, SRV_ECHO, s_server_pem, s_server_key, NULL);
  f.srv_limit = LIMIT;
  memset(&c, 0, sizeof(c));
  c.to_send = n;
  c.limit = LIMIT;
  cli_start(&f, &c, "", cli_opts());
  assert_true(poll_until(&f.mgr, cli_got_all, &c, 180));
  assert_int_equal(c.err, 0);
  assert_int_equal(c.got, n);
  assert_int_equal(c.bad, 0);
  fix_stop(&f);
}

// One burst, then silence: the last records sit decrypted (or not) in the
// TLS library while recv_mbuf is full; the receiver drains recv_mbuf only
// in MG_EV_POLL. Every byte must still arrive.
static void test_tls_small_limit_drains_library_buffer_without_more_data(
    void **state) {
  static struct fix f;
  static struct cli c;
  (void) state;
  srv_start(&f, SRV_BURST, s_server_pem, s_server_key, NULL);
  f.burst = 64 * 1024 + 7;
  memset(&c, 0, sizeof(c));
  c.to_send = 0;
  c.limit = LIMIT;
  c.consume_on_poll = 1;
  cli_start(&f, &c, "", cli_opts());
  {
    double deadline = mg_time() + 30;
    while (c.got < f.burst && c.closes == 0 && mg_time() < deadline) {
      mg_mgr_poll(&f.mgr, 10);
    }
  }
  assert_int_equal(c.err, 0);
  assert_int_equal(c.got, f.burst);
  assert_int_equal(c.bad, 0);
  fix_stop(&f);
}

// 256 single-byte writes, each sent only after the previous one's echo:
// 256 one-byte records each way.
static void test_tls_one_byte_writes_echoed(void **state) {
  static struct fix f;
  static struct cli c;
  (void) state;
  srv_start(&f, SRV_ECHO, s_server_pem, s_server_key, NULL);
  memset(&c, 0, sizeof(c));
  c.to_send = 256;
  c.one_byte = 1;
  cli_start(&f, &c, "", cli_opts());
  assert_true(poll_until(&f.mgr, cli_got_all, &c, 60));
  assert_int_equal(c.got, 256);
  assert_int_equal(c.bad, 0);
  fix_stop(&f);
}

// Bytes queued with mg_send() before the handshake wait for it.
static void test_tls_send_before_handshake_is_delivered(void **state) {
  static struct fix f;
  static struct cli c;
  struct mg_connection *nc;
  char buf[100];
  size_t i;
  (void) state;
  srv_start(&f, SRV_ECHO, s_server_pem, s_server_key, NULL);
  memset(&c, 0, sizeof(c));
  nc = cli_start(&f, &c, "", cli_opts());
  for (i = 0; i < sizeof(buf); i++) buf[i] = (char) pat(i);
  mg_send(nc, buf, sizeof(buf));
  c.to_send = c.sent = sizeof(buf);
  assert_true(poll_until(&f.mgr, cli_got_all, &c, 20));
  assert_int_equal(c.got, sizeof(buf));
  assert_int_equal(c.bad, 0);
  fix_stop(&f);
}

// ---- Broken peers --------------------------------------------------------------------

// A plain TCP listener on 127.0.0.1 (non-blocking). Returns the fd.
static int raw_listen(int *port) {
  struct sockaddr_in sin;
  socklen_t len = sizeof(sin);
  int fd = loopback_bind(SOCK_STREAM, 0);
  assert_true(fd >= 0);
  assert_int_equal(listen(fd, 8), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *) &sin, &len), 0);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
  *port = ntohs(sin.sin_port);
  return fd;
}

// Accepts one connection on lfd while polling mgr.
static int raw_accept(struct mg_mgr *mgr, int lfd) {
  double deadline = mg_time() + 10;
  int fd = -1;
  while (fd < 0 && mg_time() < deadline) {
    mg_mgr_poll(mgr, 1);
    fd = accept(lfd, NULL, NULL);
  }
  assert_true(fd >= 0);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
  return fd;
}

// Reads what fd has, waiting (polling mgr) for at least one byte.
static size_t raw_read_some(struct mg_mgr *mgr, int fd, char *buf,
                            size_t cap) {
  double deadline = mg_time() + 10;
  ssize_t k = -1;
  while (k <= 0 && mg_time() < deadline) {
    mg_mgr_poll(mgr, 1);
    k = recv(fd, buf, cap, 0);
    if (k == 0) break;
  }
  return k > 0 ? (size_t) k : 0;
}

// Our client's first TLS record (its ClientHello), read by a raw listener.
// The client then sees the peer close: MG_ETLS_CLOSED. Returns its length.
static size_t capture_client_hello(struct fix *f, char *buf, size_t cap) {
  static struct cli c;
  char addr[64];
  double deadline = mg_time() + 10;
  size_t n = 0, want = 5;
  int port, lfd = raw_listen(&port), fd;
  snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
  memset(&c, 0, sizeof(c));
  cli_start(f, &c, addr, cli_opts());
  fd = raw_accept(&f->mgr, lfd);
  while (n < want && mg_time() < deadline) {
    ssize_t k = recv(fd, buf + n, cap - n, 0);
    if (k > 0) n += (size_t) k;
    if (n >= 5) want = 5 + (((unsigned char) buf[3] << 8) | (unsigned char) buf[4]);
    assert_true(want <= cap);
    mg_mgr_poll(&f->mgr, 1);
  }
  assert_true(n >= want);
  assert_int_equal(buf[0], 0x16);  // A handshake record
  assert_int_equal(buf[5], 0x01);  // ClientHello
  close(fd);
  close(lfd);
  assert_true(poll_until(&f->mgr, cli_connected, &c, 10));
  assert_int_equal(c.err, MG_ETLS_CLOSED);
  assert_true(poll_until(&f->mgr, cli_closed, &c, 10));
  return want;
}

static int no_accepted(void *arg) {
  return num_accepted((struct fix *) arg) == 0 &&
         num_conns((struct fix *) arg) == 1;
}

// The peer closes during the handshake: the client gets MG_ETLS_CLOSED (in
// capture_client_hello()); a server whose client sends half a ClientHello
// and closes frees that connection without MG_EV_ACCEPT, and serves others.
static void test_tls_peer_closes_mid_handshake(void **state) {
  static struct fix f;
  char hello[4096];
  size_t n;
  int fd;
  (void) state;
  srv_start(&f, SRV_ECHO, s_server_pem, s_server_key, NULL);
  n = capture_client_hello(&f, hello, sizeof(hello));
  fd = raw_connect(f.port);
  raw_send(&f.mgr, fd, hello, n / 2);
  {
    int i;
    for (i = 0; i < 20; i++) mg_mgr_poll(&f.mgr, 1);
  }
  assert_int_equal(num_conns(&f), 2);  // Waiting for the rest
  close(fd);
  assert_true(poll_until(&f.mgr, no_accepted, &f, 10));
  assert_int_equal(f.accepts, 0);
  echo_ok(&f, "", cli_opts(), 1000);
  fix_stop(&f);
}

// Garbage instead of a ClientHello: the server closes that connection
// (our raw socket sees the end) while a concurrent TLS client is served.
static void test_tls_garbage_instead_of_client_hello_closed(void **state) {
  static struct fix f;
  static struct cli good;
  char buf[1024];
  int fd, closed = 0;
  (void) state;
  srv_start(&f, SRV_ECHO, s_server_pem, s_server_key, NULL);
  memset(&good, 0, sizeof(good));
  good.to_send = 20000;
  cli_start(&f, &good, "", cli_opts());
  fd = raw_connect(f.port);
  raw_sends(&f.mgr, fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  raw_recv(&f.mgr, fd, buf, sizeof(buf), 0, &closed, 10);
  assert_true(closed);
  // Whatever came back is not HTTP: at most a TLS alert record.
  assert_true(strncmp(buf, "HTTP", 4) != 0);
  close(fd);
  assert_true(poll_until(&f.mgr, cli_got_all, &good, 30));
  assert_int_equal(good.got, 20000);
  assert_int_equal(good.bad, 0);
  assert_int_equal(f.accepts, 1);
  fix_stop(&f);
}

// Our client against a "server" that answers the ClientHello with HTTP:
// MG_ETLS_PROTO.
static void test_tls_client_non_tls_server_gives_etls_proto(void **state) {
  static struct fix f;
  static struct cli c;
  char addr[64], buf[2048];
  int port, lfd, fd;
  (void) state;
  fix_init(&f, 0);
  lfd = raw_listen(&port);
  snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
  memset(&c, 0, sizeof(c));
  cli_start(&f, &c, addr, cli_opts());
  fd = raw_accept(&f.mgr, lfd);
  assert_true(raw_read_some(&f.mgr, fd, buf, sizeof(buf)) > 0);
  raw_sends(&f.mgr, fd,
            "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
  assert_true(poll_until(&f.mgr, cli_connected, &c, 10));
  assert_int_equal(c.err, MG_ETLS_PROTO);
  close(fd);
  close(lfd);
  fix_stop(&f);
}

// A raw client connects and sends nothing: the server keeps serving others.
static void test_tls_stalled_handshake_does_not_block_others(void **state) {
  static struct fix f;
  int fd1, fd2;
  (void) state;
  srv_start(&f, SRV_ECHO, s_server_pem, s_server_key, NULL);
  fd1 = raw_connect(f.port);
  fd2 = raw_connect(f.port);
  raw_send(&f.mgr, fd2, "\x16\x03\x01", 3);  // A record header, cut short
  echo_ok(&f, "", cli_opts(), 50000);
  echo_ok(&f, "", cli_opts(), 10);
  assert_int_equal(f.accepts, 2);
  // The listener, 2 stalled, 2 clients and their 2 server ends.
  assert_int_equal(num_conns(&f), 7);
  close(fd1);
  close(fd2);
  fix_stop(&f);
}

// After MG_SSL_HANDSHAKE_TIMEOUT a stalled handshake is closed on both
// sides: the client gets MG_ETLS_TIMEOUT. It waits that long (10 s by
// default), so it runs in the select build only.
static void test_tls_handshake_timeout_both_sides(void **state) {
  static struct fix f;
  static struct cli c;
  char addr[64];
  int port, lfd, fd, sfd, closed = 0;
  char buf[4096];
  (void) state;
  if (mg_ifaces[0] != &mg_socket_iface_vtable) {
    print_message("(runs in the select build only: it waits %d s)\n",
                  MG_SSL_HANDSHAKE_TIMEOUT);
    return;
  }
  srv_start(&f, SRV_ECHO, s_server_pem, s_server_key, NULL);
  lfd = raw_listen(&port);
  snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
  memset(&c, 0, sizeof(c));
  cli_start(&f, &c, addr, cli_opts());
  fd = raw_accept(&f.mgr, lfd);  // Reads nothing, answers nothing
  sfd = raw_connect(f.port);     // Sends nothing
  raw_recv(&f.mgr, sfd, buf, sizeof(buf), 0, &closed,
           MG_SSL_HANDSHAKE_TIMEOUT + 10);
  assert_true(closed);
  assert_true(poll_until(&f.mgr, cli_connected, &c, 10));
  assert_int_equal(c.err, MG_ETLS_TIMEOUT);
  assert_int_equal(f.accepts, 0);
  close(fd);
  close(sfd);
  close(lfd);
  fix_stop(&f);
}

#define HANDSHAKES 1000

// 1000 handshakes in a row, each with an echo and a close; at the end no
// connection is left (leaks: the sanitizers and valgrind).
static void test_tls_1000_handshakes_in_a_row(void **state) {
  static struct fix f;
  int i, ok = 0;
  (void) state;
  srv_start(&f, SRV_ECHO, s_server_pem, s_server_key, NULL);
  for (i = 0; i < HANDSHAKES; i++) {
    static struct cli c;
    struct mg_connection *nc;
    memset(&c, 0, sizeof(c));
    c.to_send = 1;
    nc = cli_start(&f, &c, "", cli_opts());
    if (!poll_until(&f.mgr, cli_got_all, &c, 20)) break;
    if (c.err == 0 && c.got == 1 && c.bad == 0) ok++;
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    if (!poll_until(&f.mgr, cli_closed, &c, 10)) break;
  }
  assert_int_equal(ok, HANDSHAKES);
  assert_true(poll_until(&f.mgr, no_accepted, &f, 10));
  assert_int_equal(f.accepts, HANDSHAKES);
  assert_int_equal(f.srv_closes, HANDSHAKES);
  fix_stop(&f);
}

// The listener closes first; its accepted connections keep working (they
// share its TLS context), then mg_mgr_free() frees them mid-stream.
static void test_tls_listener_closed_before_accepted_connections(
    void **state) {
  static struct fix f;
  static struct cli c[3];
  int i;
  (void) state;
  srv_start(&f, SRV_ECHO, s_server_pem, s_server_key, NULL);
  for (i = 0; i < 3; i++) {
    memset(&c[i], 0, sizeof(c[i]));
    c[i].to_send = 1000;
    cli_start(&f, &c[i], "", cli_opts());
    assert_true(poll_until(&f.mgr, cli_got_all, &c[i], 20));
    assert_int_equal(c[i].got, 1000);
  }
  f.lc->flags |= MG_F_CLOSE_IMMEDIATELY;
  for (i = 0; i < 20 && num_conns(&f) != 6; i++) mg_mgr_poll(&f.mgr, 1);
  assert_int_equal(num_conns(&f), 6);
  for (i = 0; i < 3; i++) {  // More data on the orphaned sessions
    c[i].to_send = 200000;
    assert_true(poll_until(&f.mgr, cli_got_all, &c[i], 30));
    assert_int_equal(c[i].got, 200000);
    assert_int_equal(c[i].bad, 0);
  }
  c[0].to_send = 4 * 1024 * 1024;  // Still streaming when freed
  mg_mgr_poll(&f.mgr, 1);
  fix_stop(&f);
}

// mg_mgr_free() while handshakes are half done, on both sides.
static void test_tls_mgr_free_mid_handshake(void **state) {
  static struct fix f;
  static struct cli c;
  char hello[4096];
  size_t n;
  int fd;
  (void) state;
  srv_start(&f, SRV_ECHO, s_server_pem, s_server_key, NULL);
  n = capture_client_hello(&f, hello, sizeof(hello));
  fd = raw_connect(f.port);
  raw_send(&f.mgr, fd, hello, n);  // The server answers; we do not go on
  memset(&c, 0, sizeof(c));
  cli_start(&f, &c, "", cli_opts());
  mg_mgr_poll(&f.mgr, 1);
  fix_stop(&f);
  close(fd);
}

// ---- HTTP and WebSocket over TLS ------------------------------------------------------

#define HELLO "hello over tls"

static void http_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  struct websocket_message *wm = (struct websocket_message *) ev_data;
  struct fix *f = (struct fix *) nc->mgr->user_data;
  if (ev == MG_EV_ACCEPT) {
    f->accepts++;
  } else if (ev == MG_EV_HTTP_REQUEST && mg_vcmp(&hm->uri, "/hello") == 0) {
    mg_send_head(nc, 200, (int) strlen(HELLO), "Content-Type: text/plain");
    mg_printf(nc, "%s", HELLO);
  } else if (ev == MG_EV_HTTP_REQUEST) {
    struct mg_serve_http_opts so;
    memset(&so, 0, sizeof(so));
    so.document_root = s_root;
    so.enable_directory_listing = "no";
    mg_serve_http(nc, hm, so);
  } else if (ev == MG_EV_WEBSOCKET_FRAME) {
    mg_send_websocket_frame(nc, wm->flags & 0x0f, wm->data, wm->size);
  }
}

static void http_start(struct fix *f) {
  fix_init(f, SRV_HTTP);
  f->lc = tls_bind(f, http_handler, "127.0.0.1:0", s_server_pem, s_server_key,
                   NULL);
  mg_set_protocol_http_websocket(f->lc);
  f->port = conn_port(f->lc);
}

// What an HTTP or WebSocket client saw.
struct hcli {
  int connects, err, replies, resp_code, closes, handshakes, frames, bad;
  size_t body_len;
  char *body;  // The reply body (malloc()ed; s_garbage)
};

static void hcli_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct hcli *h = (struct hcli *) nc->user_data;
  struct http_message *hm = (struct http_message *) ev_data;
  if (ev == MG_EV_CONNECT) {
    h->connects++;
    h->err = *(int *) ev_data;
  } else if (ev == MG_EV_HTTP_REPLY) {
    h->replies++;
    h->resp_code = hm->resp_code;
    free(h->body);
    h->body = (char *) malloc(hm->body.len + 1);
    assert_non_null(h->body);
    s_garbage = h->body;
    memcpy(h->body, hm->body.p, hm->body.len);
    h->body_len = hm->body.len;
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  } else if (ev == MG_EV_CLOSE) {
    h->closes++;
  }
}

static int hcli_done(void *arg) {
  return ((struct hcli *) arg)->closes > 0;
}

static void https_get_host(struct fix *f, struct hcli *h, const char *host,
                           const char *path, struct mg_connect_opts o) {
  char url[128];
  const char *err = NULL;
  memset(h, 0, sizeof(*h));
  snprintf(url, sizeof(url), "https://%s:%d%s", host, f->port, path);
  o.user_data = h;
  o.error_string = &err;
  if (mg_connect_http_opt(&f->mgr, hcli_handler, o, url, NULL, NULL) == NULL) {
    fail_msg("mg_connect_http_opt(%s): %s", url, err);
  }
  assert_true(poll_until(&f->mgr, hcli_done, h, 60));
}

static void https_get(struct fix *f, struct hcli *h, const char *path,
                      struct mg_connect_opts o) {
  https_get_host(f, h, "127.0.0.1", path, o);
}

static void test_https_client_gets_exact_body(void **state) {
  static struct fix f;
  static struct hcli h;
  (void) state;
  http_start(&f);
  https_get(&f, &h, "/hello", cli_opts());
  assert_int_equal(h.err, 0);
  assert_int_equal(h.replies, 1);
  assert_int_equal(h.resp_code, 200);
  assert_int_equal(h.body_len, strlen(HELLO));
  assert_memory_equal(h.body, HELLO, strlen(HELLO));
  assert_int_equal(f.accepts, 1);
  fix_stop(&f);
}

// https://localhost/: the name is verified against DNS:localhost.
static void test_https_client_localhost_url(void **state) {
  static struct fix f;
  static struct hcli h;
  (void) state;
  http_start(&f);
  https_get_host(&f, &h, "localhost", "/hello", cli_opts());
  assert_int_equal(h.err, 0);
  assert_int_equal(h.resp_code, 200);
  assert_int_equal(h.body_len, strlen(HELLO));
  assert_memory_equal(h.body, HELLO, strlen(HELLO));
  fix_stop(&f);
}

// mg_connect_http() without options: the system store, which lacks our CA.
static void test_https_client_default_options_reject_test_ca(void **state) {
  static struct fix f;
  static struct hcli h;
  struct mg_connect_opts o;
  (void) state;
  http_start(&f);
  memset(&o, 0, sizeof(o));
  https_get(&f, &h, "/hello", o);
  assert_int_equal(h.connects, 1);
  assert_int_equal(h.err, MG_ETLS_CERT);
  assert_int_equal(h.replies, 0);
  fix_stop(&f);
}

// A static file of 1 MiB over TLS (no sendfile there): byte-exact.
static void test_https_static_file_byte_exact(void **state) {
  static struct fix f;
  static struct hcli h;
  size_t i, bad = 0;
  (void) state;
  http_start(&f);
  https_get(&f, &h, "/big.bin", cli_opts());
  assert_int_equal(h.err, 0);
  assert_int_equal(h.resp_code, 200);
  assert_int_equal(h.body_len, BIG_FILE_SIZE);
  for (i = 0; i < h.body_len; i++) bad += (unsigned char) h.body[i] != pat(i);
  assert_int_equal(bad, 0);
  fix_stop(&f);
}

#define WS_BIG 100000

static void wscli_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct hcli *h = (struct hcli *) nc->user_data;
  struct websocket_message *wm = (struct websocket_message *) ev_data;
  size_t i;
  if (ev == MG_EV_CONNECT) {
    h->connects++;
    h->err = *(int *) ev_data;
  } else if (ev == MG_EV_WEBSOCKET_HANDSHAKE_DONE) {
    char *p = (char *) malloc(WS_BIG);
    h->handshakes++;
    h->resp_code = ((struct http_message *) ev_data)->resp_code;
    assert_non_null(p);
    for (i = 0; i < WS_BIG; i++) p[i] = (char) pat(i);
    mg_send_websocket_frame(nc, WEBSOCKET_OP_TEXT, "hi", 2);
    mg_send_websocket_frame(nc, WEBSOCKET_OP_BINARY, p, WS_BIG);
    free(p);
  } else if (ev == MG_EV_WEBSOCKET_FRAME) {
    h->frames++;
    if (h->frames == 1) {
      h->bad += wm->size != 2 || memcmp(wm->data, "hi", 2) != 0 ||
                (wm->flags & 0x0f) != WEBSOCKET_OP_TEXT;
    } else {
      h->bad += wm->size != WS_BIG || (wm->flags & 0x0f) != WEBSOCKET_OP_BINARY;
      for (i = 0; i < wm->size && i < WS_BIG; i++) {
        h->bad += wm->data[i] != pat(i);
      }
    }
  } else if (ev == MG_EV_CLOSE) {
    h->closes++;
  }
}

static int ws_done(void *arg) {
  struct hcli *h = (struct hcli *) arg;
  return h->frames >= 2 || h->closes > 0;
}

static void test_wss_client_echo(void **state) {
  static struct fix f;
  static struct hcli h;
  struct mg_connect_opts o = cli_opts();
  const char *err = NULL;
  char url[128];
  (void) state;
  http_start(&f);
  memset(&h, 0, sizeof(h));
  o.user_data = &h;
  o.error_string = &err;
  snprintf(url, sizeof(url), "wss://127.0.0.1:%d/ws", f.port);
  if (mg_connect_ws_opt(&f.mgr, wscli_handler, o, url, NULL, NULL) == NULL) {
    fail_msg("mg_connect_ws_opt(%s): %s", url, err);
  }
  assert_true(poll_until(&f.mgr, ws_done, &h, 30));
  assert_int_equal(h.err, 0);
  assert_int_equal(h.handshakes, 1);
  assert_int_equal(h.resp_code, 101);
  assert_int_equal(h.frames, 2);
  assert_int_equal(h.bad, 0);
  fix_stop(&f);
}

#else  // !MG_ENABLE_SSL

// ---- Without TLS ---------------------------------------------------------------

static int teardown(void **state) {
  (void) state;
  return 0;
}

static void nop_handler(struct mg_connection *nc, int ev, void *ev_data) {
  (void) nc;
  (void) ev;
  (void) ev_data;
}

static void test_https_url_without_tls_returns_null_with_error(void **state) {
  struct mg_mgr mgr;
  struct mg_connect_opts o;
  const char *err = NULL;
  (void) state;
  mg_mgr_init(&mgr, NULL);
  assert_null(mg_connect_http(&mgr, nop_handler, "https://127.0.0.1:1/x",
                              NULL, NULL));
  memset(&o, 0, sizeof(o));
  o.error_string = &err;
  assert_null(mg_connect_http_opt(&mgr, nop_handler, o,
                                  "https://127.0.0.1:1/x", NULL, NULL));
  assert_non_null(err);
  assert_non_null(strstr(err, "TLS"));
  assert_null(mg_next(&mgr, NULL));  // Nothing was left behind
  mg_mgr_free(&mgr);
}

static void test_wss_url_without_tls_returns_null_with_error(void **state) {
  struct mg_mgr mgr;
  struct mg_connect_opts o;
  const char *err = NULL;
  (void) state;
  mg_mgr_init(&mgr, NULL);
  assert_null(mg_connect_ws(&mgr, nop_handler, "wss://127.0.0.1:1/ws", NULL,
                            NULL));
  memset(&o, 0, sizeof(o));
  o.error_string = &err;
  assert_null(mg_connect_ws_opt(&mgr, nop_handler, o, "wss://127.0.0.1:1/ws",
                                NULL, NULL));
  assert_non_null(err);
  assert_non_null(strstr(err, "TLS"));
  assert_null(mg_next(&mgr, NULL));
  mg_mgr_free(&mgr);
}

#endif  // MG_ENABLE_SSL

#define T(test) cmocka_unit_test_teardown(test, teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
#if MG_ENABLE_SSL
      T(test_tls_handshake_and_echo),
      T(test_tls_combined_cert_and_key_file),
      T(test_tls_accept_fires_after_handshake),
      T(test_tls_no_accept_event_without_handshake),
      T(test_tls_wrong_ca_gives_etls_cert),
      T(test_tls_default_trust_store_rejects_test_ca),
      T(test_tls_expired_cert_gives_etls_cert),
      T(test_tls_ip_not_in_cert_gives_etls_hostname),
      T(test_tls_server_name_mismatch_gives_etls_hostname),
      T(test_tls_server_name_matching_dns_san_accepted),
      T(test_tls_ca_star_accepts_any_cert),
      T(test_tls_server_name_star_skips_name_check_only),
      T(test_tls_ipv6_loopback_matches_ip_san),
      T(test_tls_client_cert_required_refused_without),
      T(test_tls_client_cert_required_accepted_with),
      T(test_tls_client_cert_from_other_ca_refused),
      T(test_tls_bind_missing_cert_returns_null_with_error),
      T(test_tls_connect_missing_ca_returns_null_with_error),
      T(test_tls_mg_set_ssl_listener_and_client),
      T(test_tls_16mib_each_way_byte_exact),
      T(test_tls_16mib_echo_small_recv_limits),
      T(test_tls_small_limit_drains_library_buffer_without_more_data),
      T(test_tls_one_byte_writes_echoed),
      T(test_tls_send_before_handshake_is_delivered),
      T(test_tls_peer_closes_mid_handshake),
      T(test_tls_garbage_instead_of_client_hello_closed),
      T(test_tls_client_non_tls_server_gives_etls_proto),
      T(test_tls_stalled_handshake_does_not_block_others),
      T(test_tls_handshake_timeout_both_sides),
      T(test_tls_1000_handshakes_in_a_row),
      T(test_tls_listener_closed_before_accepted_connections),
      T(test_tls_mgr_free_mid_handshake),
      T(test_https_client_gets_exact_body),
      T(test_https_client_localhost_url),
      T(test_https_client_default_options_reject_test_ca),
      T(test_https_static_file_byte_exact),
      T(test_wss_client_echo),
#else
      T(test_https_url_without_tls_returns_null_with_error),
      T(test_wss_url_without_tls_returns_null_with_error),
#endif
  };
#if MG_ENABLE_SSL
  return cmocka_run_group_tests(tests, setup_certs, teardown_certs);
#else
  return cmocka_run_group_tests(tests, NULL, NULL);
#endif
}
