// Interop: our async resolver against dnsmasq (Debian's dnsmasq-base), a
// real DNS server we did not write. dnsmasq runs in the foreground (-d) on
// a free port of 127.0.0.1 and ::1, with no upstream, no hosts file and no
// config, answering from its command line only: A (--address,
// --host-record), AAAA (--host-record), a CNAME (--cname) and NXDOMAIN
// (--address=/nx.example/). It is started once for the group and ended by
// its PID. Without dnsmasq the tests skip and say how to install it.
#include "net_util.h"  // First: mongoose.h sets the feature macros

#include <sys/wait.h>

#ifndef DNSMASQ
#define DNSMASQ "/usr/sbin/dnsmasq"
#endif
#define START_SECONDS 10.0  // Longest dnsmasq may take to bind its port

static pid_t s_pid;  // dnsmasq
static int s_port;   // Its DNS port (UDP and TCP)
static int s_v6;     // It listens on ::1 too

static pid_t spawn_dnsmasq(int v6) {
  char port[16];
  const char *argv[20];
  int n = 0;
  pid_t pid;
  snprintf(port, sizeof(port), "%d", s_port);
  argv[n++] = DNSMASQ, argv[n++] = "-d", argv[n++] = "-p", argv[n++] = port;
  argv[n++] = "--listen-address=127.0.0.1";
  if (v6) argv[n++] = "--listen-address=::1";
  argv[n++] = "--bind-interfaces", argv[n++] = "--no-resolv";
  argv[n++] = "--no-hosts", argv[n++] = "--conf-file=/dev/null";
  argv[n++] = "--address=/test.example/127.0.0.5";
  argv[n++] = "--host-record=both.example,127.0.0.6,::6";
  argv[n++] = "--host-record=web.example,127.0.0.1";
  argv[n++] = "--cname=alias.example,both.example";
  argv[n++] = "--address=/nx.example/";
  if (geteuid() == 0) argv[n++] = "--user=root";
  argv[n] = NULL;
  fflush(NULL);
  if ((pid = fork()) == 0) {
    int in = open("/dev/null", O_RDONLY), fd;
    if (in < 0) _exit(126);
    dup2(in, 0), dup2(in, 1);
    for (fd = 3; fd < 1024; fd++) close(fd);
    execv(argv[0], (char *const *) argv);
    _exit(127);
  }
  return pid;
}

// Waits until dnsmasq has bound its port (or died). 1: running.
static int wait_dnsmasq(void) {
  struct timespec ts = {0, 10000000};
  double deadline = mg_time() + START_SECONDS;
  int st;
  while (!loopback_port_taken(SOCK_DGRAM, s_port)) {
    if (waitpid(s_pid, &st, WNOHANG) == s_pid) {
      s_pid = 0;
      return 0;
    }
    if (mg_time() > deadline) {  // Never leave it running unbound
      kill(s_pid, SIGKILL);
      waitpid(s_pid, &st, 0);
      s_pid = 0;
      return 0;
    }
    nanosleep(&ts, NULL);
  }
  return 1;
}

static int start_dnsmasq(void) {
  int attempt;
  if (access(DNSMASQ, X_OK) != 0) return 0;
  // A port can be taken between the check and dnsmasq's bind: a few tries.
  for (attempt = 0; attempt < 5; attempt++) {
    if ((s_port = free_loopback_port(SOCK_DGRAM)) == 0) return -1;
    // dnsmasq listens on TCP too, and a busy machine's outgoing
    // connections use ports of the same range.
    if (loopback_port_taken(SOCK_STREAM, s_port)) continue;
    s_v6 = 1;
    if ((s_pid = spawn_dnsmasq(1)) > 0 && wait_dnsmasq()) return 1;
    s_v6 = 0;  // No ::1 here: IPv4 only (the IPv6 test skips)
    if ((s_pid = spawn_dnsmasq(0)) > 0 && wait_dnsmasq()) return 1;
  }
  print_message("dnsmasq did not start on port %d\n", s_port);
  return -1;
}

static int s_state;

static int group_setup(void **state) {
  (void) state;
  s_state = start_dnsmasq();
  return 0;
}

// Ends dnsmasq by its PID: SIGTERM, SIGKILL after 5 s.
static int group_teardown(void **state) {
  struct timespec ts = {0, 10000000};
  double deadline = mg_time() + 5;
  int st;
  (void) state;
  if (s_pid > 0) {
    kill(s_pid, SIGTERM);
    while (waitpid(s_pid, &st, WNOHANG) == 0) {
      if (mg_time() > deadline) {
        kill(s_pid, SIGKILL);
        waitpid(s_pid, &st, 0);
        break;
      }
      nanosleep(&ts, NULL);
    }
  }
  return 0;
}

static void need_dnsmasq(void) {
  if (s_state == 0) {
    print_message(
        "SKIP: %s is missing; install it with: apt-get install -y "
        "dnsmasq-base\n",
        DNSMASQ);
    skip();
  }
  if (s_state < 0) fail_msg("dnsmasq did not start (see above)");
}

struct result {
  int done;
  enum mg_resolve_err err;
  char ip[64];
};

static void resolve_cb(struct mg_dns_message *msg, void *data,
                       enum mg_resolve_err e) {
  struct result *r = (struct result *) data;
  struct mg_dns_resource_record *rr = NULL;
  unsigned char a[16];
  r->done++;
  r->err = e;
  if (msg == NULL) return;
  if ((rr = mg_dns_next_record(msg, MG_DNS_A_RECORD, NULL)) != NULL &&
      mg_dns_parse_record_data(msg, rr, a, 4) == 0) {
    inet_ntop(AF_INET, a, r->ip, sizeof(r->ip));
  } else if ((rr = mg_dns_next_record(msg, MG_DNS_AAAA_RECORD, NULL)) != NULL &&
             mg_dns_parse_record_data(msg, rr, a, 16) == 0) {
    inet_ntop(AF_INET6, a, r->ip, sizeof(r->ip));
  }
}

// Resolves name (type qtype) through dnsmasq at ns ("udp://..." with %d
// for the port); checks the result and the first address.
static void check(const char *ns_fmt, const char *name, int qtype,
                  enum mg_resolve_err want, const char *want_ip) {
  struct mg_mgr mgr;
  struct mg_resolve_async_opts o;
  struct result r;
  char ns[64];
  need_dnsmasq();
  snprintf(ns, sizeof(ns), ns_fmt, s_port);
  memset(&o, 0, sizeof(o));
  memset(&r, 0, sizeof(r));
  o.nameserver = ns;
  mg_mgr_init(&mgr, NULL);
  assert_int_equal(mg_resolve_async_opt(&mgr, name, qtype, resolve_cb, &r, o),
                   0);
  assert_true(poll_flag(&mgr, &r.done, 10));
  assert_int_equal(r.err, want);
  assert_string_equal(r.ip, want_ip);
  mg_mgr_free(&mgr);
}

static void test_dnsmasq_a(void **state) {
  (void) state;
  check("udp://127.0.0.1:%d", "test.example", MG_DNS_A_RECORD, MG_RESOLVE_OK,
        "127.0.0.5");
}

static void test_dnsmasq_aaaa(void **state) {
  (void) state;
  check("udp://127.0.0.1:%d", "both.example", MG_DNS_AAAA_RECORD, MG_RESOLVE_OK,
        "::6");
}

static void test_dnsmasq_cname_followed(void **state) {
  (void) state;
  check("udp://127.0.0.1:%d", "alias.example", MG_DNS_A_RECORD, MG_RESOLVE_OK,
        "127.0.0.6");
}

static void test_dnsmasq_nxdomain(void **state) {
  (void) state;
  check("udp://127.0.0.1:%d", "host.nx.example", MG_DNS_A_RECORD,
        MG_RESOLVE_NXDOMAIN, "");
}

// dnsmasq 2.90 without an upstream answers REFUSED for a type it has no
// local data for: that nameserver is given up, as with SERVFAIL.
static void test_dnsmasq_refused_is_servfail(void **state) {
  (void) state;
  check("udp://127.0.0.1:%d", "test.example", MG_DNS_AAAA_RECORD,
        MG_RESOLVE_SERVFAIL, "");
}

static void test_dnsmasq_over_tcp(void **state) {
  (void) state;
  check("tcp://127.0.0.1:%d", "test.example", MG_DNS_A_RECORD, MG_RESOLVE_OK,
        "127.0.0.5");
}

static void test_dnsmasq_ipv6_nameserver(void **state) {
  (void) state;
  need_dnsmasq();
  if (!s_v6) {
    print_message("SKIP: no ::1 on this host: dnsmasq listens on IPv4 only\n");
    skip();
  }
  check("udp://[::1]:%d", "test.example", MG_DNS_A_RECORD, MG_RESOLVE_OK,
        "127.0.0.5");
}

// ---- mg_connect_http() to a name that dnsmasq serves ---------------------

static int s_requests, s_status;

static void server_handler(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev == MG_EV_HTTP_REQUEST) {
    s_requests++;
    mg_printf(nc, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    nc->flags |= MG_F_SEND_AND_CLOSE;
  }
}

static void client_handler(struct mg_connection *nc, int ev, void *ev_data) {
  if (ev == MG_EV_HTTP_REPLY) {
    s_status = ((struct http_message *) ev_data)->resp_code;
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  } else if (ev == MG_EV_CONNECT && *(int *) ev_data != 0) {
    s_status = -1;
  }
}

static void test_dnsmasq_connect_http_by_name(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc;
  char url[96], ns[64];
  (void) state;
  need_dnsmasq();
  mg_mgr_init(&mgr, NULL);
  snprintf(ns, sizeof(ns), "udp://127.0.0.1:%d", s_port);
  mg_set_nameserver(&mgr, ns);
  lc = mg_bind(&mgr, "tcp://127.0.0.1:0", server_handler);
  assert_non_null(lc);
  mg_set_protocol_http_websocket(lc);
  snprintf(url, sizeof(url), "http://web.example:%d/x", conn_port(lc));
  s_requests = s_status = 0;
  assert_non_null(mg_connect_http(&mgr, client_handler, url, NULL, NULL));
  assert_true(poll_flag(&mgr, &s_status, 10));
  assert_int_equal(s_status, 200);
  assert_int_equal(s_requests, 1);
  mg_mgr_free(&mgr);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dnsmasq_a),
      cmocka_unit_test(test_dnsmasq_aaaa),
      cmocka_unit_test(test_dnsmasq_cname_followed),
      cmocka_unit_test(test_dnsmasq_nxdomain),
      cmocka_unit_test(test_dnsmasq_refused_is_servfail),
      cmocka_unit_test(test_dnsmasq_over_tcp),
      cmocka_unit_test(test_dnsmasq_ipv6_nameserver),
      cmocka_unit_test(test_dnsmasq_connect_http_by_name),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
