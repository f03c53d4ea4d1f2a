// Interop tests for the DNS server: dig (bind9-dnsutils) and kdig
// (knot-dnsutils) query a captive DNS server, one inside this process (on
// the iface under test: A questions get 10.1.2.3) and the
// examples/captive_dns_server binary. Over UDP with EDNS (dig's default)
// and without, over TCP, other types (NOERROR, no answers), EDNS version 1
// (BADVERS), and malformed datagrams (FORMERR or nothing; the server goes
// on). Each tool runs as a child with a deadline while we poll, and is
// ended by its PID.
#include "net_util.h"  // First: mongoose.h sets the feature macros

#include <arpa/inet.h>
#include <signal.h>
#include <sys/wait.h>

#define DIG "/usr/bin/dig"
#define KDIG "/usr/bin/kdig"
#define EXAMPLE "examples/captive_dns_server/captive_dns_server"
#define TOOL_SECONDS 10.0  // Longest a dig run may take

static struct mg_mgr s_mgr;
static int s_port;  // The in-process server's UDP and TCP port
static int s_queries;
static char s_out[16384];  // The last tool's output

static void srv_ev(struct mg_connection *nc, int ev, void *ev_data) {
  struct mg_dns_message *msg = (struct mg_dns_message *) ev_data;
  struct mg_dns_reply r;
  struct mbuf buf;
  int i;
  if (ev != MG_DNS_MESSAGE || (msg->flags & 0x8000)) return;
  s_queries++;
  mbuf_init(&buf, 512);
  r = mg_dns_create_reply(&buf, msg);
  for (i = 0; i < msg->num_questions; i++) {
    if (msg->questions[i].rtype != MG_DNS_A_RECORD) continue;
    mg_dns_reply_record(&r, &msg->questions[i], NULL, MG_DNS_A_RECORD, 3600,
                        "\x0a\x01\x02\x03", 4);
  }
  mg_dns_send_reply(nc, &r);
  mbuf_free(&buf);
}

static int setup_group(void **state) {
  struct mg_connection *u = NULL, *t = NULL;
  char url[64];
  int i;
  (void) state;
  mg_mgr_init(&s_mgr, NULL);
  for (i = 0; i < 20 && t == NULL; i++) {
    if ((u = mg_bind(&s_mgr, "udp://127.0.0.1:0", srv_ev)) == NULL) break;
    s_port = conn_port(u);
    snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", s_port);
    if ((t = mg_bind(&s_mgr, url, srv_ev)) == NULL) {
      u->flags |= MG_F_CLOSE_IMMEDIATELY;
    }
  }
  if (t == NULL) return -1;
  mg_set_protocol_dns(u);
  mg_set_protocol_dns(t);
  return 0;
}

static int teardown_group(void **state) {
  (void) state;
  mg_mgr_free(&s_mgr);
  return 0;
}

static void need(const char *tool, const char *pkg) {
  if (access(tool, X_OK) != 0) {
    printf("%s is missing. Run: apt-get install -y %s\n", tool, pkg);
    skip();
  }
}

// Runs argv (stdout and stderr into s_out) while polling our server, at
// most TOOL_SECONDS; the child is killed by its PID if it overruns.
// Returns its exit status.
static int run_tool(char *const argv[]) {
  char path[] = "/tmp/mg_dns_interop_XXXXXX";
  double deadline = mg_time() + TOOL_SECONDS;
  int fd = mkstemp(path), st = -1, n;
  pid_t pid;
  assert_true(fd >= 0);
  fflush(NULL);
  if ((pid = fork()) == 0) {
    dup2(fd, 1);
    dup2(fd, 2);
    execv(argv[0], argv);
    _exit(127);
  }
  assert_true(pid > 0);
  while (waitpid(pid, &st, WNOHANG) == 0) {
    if (mg_time() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      break;
    }
    mg_mgr_poll(&s_mgr, 5);
  }
  n = (int) pread(fd, s_out, sizeof(s_out) - 1, 0);
  s_out[n > 0 ? n : 0] = '\0';
  close(fd);
  unlink(path);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

// dig @127.0.0.1 -p port name type [opt1] [opt2]
static int dig(const char *tool, int port, const char *name, const char *type,
               const char *opt1, const char *opt2) {
  char p[16];
  char *argv[12];
  int i = 0;
  snprintf(p, sizeof(p), "%d", port);
  argv[i++] = (char *) tool;
  argv[i++] = (char *) "@127.0.0.1";
  argv[i++] = (char *) "-p";
  argv[i++] = p;
  argv[i++] = (char *) name;
  argv[i++] = (char *) type;
  // dig and kdig spell the timeout and retry options differently.
  argv[i++] = (char *) (strcmp(tool, KDIG) == 0 ? "+timeout=2" : "+time=2");
  argv[i++] = (char *) (strcmp(tool, KDIG) == 0 ? "+retry=0" : "+tries=1");
  if (opt1 != NULL) argv[i++] = (char *) opt1;
  if (opt2 != NULL) argv[i++] = (char *) opt2;
  argv[i] = NULL;
  return run_tool(argv);
}

#define assert_out_has(s)                                             \
  do {                                                                \
    if (strstr(s_out, (s)) == NULL) fail_msg("no \"%s\" in:\n%s", (s), s_out); \
  } while (0)
#define assert_out_lacks(s)                                          \
  do {                                                               \
    if (strstr(s_out, (s)) != NULL) fail_msg("\"%s\" in:\n%s", (s), s_out); \
  } while (0)

static void test_dig_udp_a_with_edns(void **state) {
  (void) state;
  need(DIG, "bind9-dnsutils");
  assert_int_equal(dig(DIG, s_port, "captive.test", "A", NULL, NULL), 0);
  assert_out_has("opcode: QUERY, status: NOERROR");
  assert_out_has("flags: qr rd ra; QUERY: 1, ANSWER: 1, AUTHORITY: 0, "
                 "ADDITIONAL: 1");
  assert_out_has("; EDNS: version: 0, flags:; udp: 1232");
  assert_out_has("captive.test.\t\t3600\tIN\tA\t10.1.2.3");
  assert_out_has("(UDP)");
  assert_out_lacks("WARNING");
}

static void test_dig_tcp_a(void **state) {
  (void) state;
  need(DIG, "bind9-dnsutils");
  assert_int_equal(dig(DIG, s_port, "tcp.captive.test", "A", "+tcp", NULL),
                   0);
  assert_out_has("status: NOERROR");
  assert_out_has("ANSWER: 1,");
  assert_out_has("tcp.captive.test.\t3600\tIN\tA\t10.1.2.3");
  assert_out_has("(TCP)");
}

static void test_dig_noedns_gets_no_opt(void **state) {
  (void) state;
  need(DIG, "bind9-dnsutils");
  assert_int_equal(dig(DIG, s_port, "captive.test", "A", "+noedns", NULL), 0);
  assert_out_has("ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 0");
  assert_out_has("IN\tA\t10.1.2.3");
  assert_out_lacks("OPT PSEUDOSECTION");
}

static void test_dig_other_types_get_no_answers(void **state) {
  (void) state;
  need(DIG, "bind9-dnsutils");
  assert_int_equal(dig(DIG, s_port, "captive.test", "AAAA", NULL, NULL), 0);
  assert_out_has("status: NOERROR");
  assert_out_has("QUERY: 1, ANSWER: 0,");
  assert_int_equal(dig(DIG, s_port, "captive.test", "MX", "+tcp", NULL), 0);
  assert_out_has("status: NOERROR");
  assert_out_has("QUERY: 1, ANSWER: 0,");
}

static void test_dig_edns_version_1_gets_badvers(void **state) {
  (void) state;
  need(DIG, "bind9-dnsutils");
  dig(DIG, s_port, "captive.test", "A", "+edns=1", "+noednsnegotiation");
  assert_out_has("status: BADVERS");
  assert_out_has("; EDNS: version: 0,");
  assert_out_has("ANSWER: 0,");
}

static void test_kdig_udp_and_tcp(void **state) {
  (void) state;
  need(KDIG, "knot-dnsutils");
  assert_int_equal(dig(KDIG, s_port, "k.captive.test", "A", NULL, NULL), 0);
  assert_out_has("status: NOERROR");
  assert_out_has("IN\tA\t10.1.2.3");
  assert_out_has("(UDP)");
  assert_int_equal(dig(KDIG, s_port, "k.captive.test", "A", "+tcp", "+edns"),
                   0);
  assert_out_has("status: NOERROR");
  assert_out_has("Version: 0; flags: ; UDP size: 1232 B");
  assert_out_has("IN\tA\t10.1.2.3");
  assert_out_has("(TCP)");
}

// Sends datagram q to port and returns the reply's length (0: none).
static size_t udp_exchange(int port, const void *q, size_t qlen, char *buf,
                           size_t cap, double wait) {
  struct sockaddr_in sin;
  double deadline = mg_time() + wait;
  ssize_t k = -1;
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  assert_true(fd >= 0);
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_port = htons((uint16_t) port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sendto(fd, q, qlen, 0, (struct sockaddr *) &sin, sizeof(sin));
  while (mg_time() < deadline && k <= 0) {
    mg_mgr_poll(&s_mgr, 1);
    k = recv(fd, buf, cap, MSG_DONTWAIT);
  }
  close(fd);
  return k > 0 ? (size_t) k : 0;
}

static void test_malformed_datagrams_then_dig_still_answered(void **state) {
  static const char loop[] =
      "\x77\x01\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\0\1\0\1";
  static const char label64[] =
      "\x77\x02\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x40";
  char buf[512];
  int before = s_queries;
  (void) state;
  need(DIG, "bind9-dnsutils");
  assert_int_equal(udp_exchange(s_port, loop, 18, buf, sizeof(buf), 2), 12);
  assert_memory_equal(buf, "\x77\x01\x81\x01\0\0\0\0\0\0\0\0", 12);
  assert_int_equal(udp_exchange(s_port, label64, 13, buf, sizeof(buf), 2),
                   12);
  assert_memory_equal(buf, "\x77\x02\x81\x01", 4);
  assert_int_equal(udp_exchange(s_port, "\xde\xad", 2, buf, sizeof(buf), 0.3),
                   0);
  assert_int_equal(s_queries, before);
  assert_int_equal(dig(DIG, s_port, "after.test", "A", NULL, NULL), 0);
  assert_out_has("after.test.\t\t3600\tIN\tA\t10.1.2.3");
}

// The example binary: started with -l 127.0.0.1:0, its port read from the
// line it prints, queried over UDP and TCP, stopped by its PID.
static void test_example_captive_dns_server_with_dig(void **state) {
  char line[256], *p;
  int fds[2], port = 0, st;
  double deadline = mg_time() + TOOL_SECONDS;
  ssize_t n, got = 0;
  pid_t pid;
  (void) state;
  line[0] = '\0';
  need(DIG, "bind9-dnsutils");
  assert_int_equal(access(EXAMPLE, X_OK), 0);
  assert_int_equal(pipe(fds), 0);
  fflush(NULL);
  if ((pid = fork()) == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    execl(EXAMPLE, EXAMPLE, "-l", "127.0.0.1:0", "-a", "10.9.8.7",
          (char *) NULL);
    _exit(127);
  }
  close(fds[1]);
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  while (mg_time() < deadline && strchr(line, '\n') == NULL) {
    n = read(fds[0], line + got, sizeof(line) - 1 - (size_t) got);
    if (n > 0) got += n;
    line[got] = '\0';
    if (n <= 0) usleep(10000);
  }
  if ((p = strstr(line, "udp://127.0.0.1:")) != NULL) port = atoi(p + 16);
  assert_true(port > 0);
  assert_int_equal(dig(DIG, port, "portal.test", "A", NULL, NULL), 0);
  assert_out_has("portal.test.\t\t3600\tIN\tA\t10.9.8.7");
  assert_out_has("udp: 1232");
  assert_int_equal(dig(DIG, port, "portal.test", "A", "+tcp", NULL), 0);
  assert_out_has("portal.test.\t\t3600\tIN\tA\t10.9.8.7");
  assert_out_has("(TCP)");
  kill(pid, SIGTERM);
  waitpid(pid, &st, 0);
  close(fds[0]);
  assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dig_udp_a_with_edns),
      cmocka_unit_test(test_dig_tcp_a),
      cmocka_unit_test(test_dig_noedns_gets_no_opt),
      cmocka_unit_test(test_dig_other_types_get_no_answers),
      cmocka_unit_test(test_dig_edns_version_1_gets_badvers),
      cmocka_unit_test(test_kdig_udp_and_tcp),
      cmocka_unit_test(test_malformed_datagrams_then_dig_still_answered),
      cmocka_unit_test(test_example_captive_dns_server_with_dig),
  };
  return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
