// Interop tests of our MQTT broker with real MQTT 3.1.1 peers that we did
// not write: mosquitto_pub/mosquitto_sub (mosquitto-clients), paho for
// python (python3-paho-mqtt, run by /usr/bin/python3 from mqtt_paho.py),
// the paho C clients (paho_c_pub, paho_c_sub: paho.mqtt.c-examples), and
// MQTT.js (npm mqtt, test/interop/node_modules, from mqtt_js.js) over
// ws://127.0.0.1:PORT/mqtt; raw sockets for the hostile input.
//
// Every test runs against each broker under test, a fresh one per test:
//   inproc     mg_mqtt_broker in this process, on the iface under test
//              (polled while the peers run), MQTT over TCP and a WebSocket
//              endpoint /mqtt on a second listener;
//   example    examples/mqtt_broker/mqtt_broker -l 127.0.0.1:PORT and
//              examples/mqtt_over_websocket_server -l HTTP -m MQTT;
//   mosquitto  the reference (Debian's mosquitto: persistence off,
//              max_packet_size 1 MiB as our MG_MQTT_MAX_PACKET_SIZE, a
//              websockets listener where the build has them).
// MG_MQTT_INTEROP_BROKER picks them: "ours" (the default: inproc and
// example), "mosquitto" (the reference alone: proves each check against a
// broker we did not write), "inproc", "example" or "all". A mosquitto
// build without websockets (Debian's 2.0.11 has them) skips its WebSocket
// tests, loudly; ours never do.
//
// Each peer is forked with its output in a scratch file, waited for with a
// deadline while we poll, and ended by its PID; each external broker too.
// Run from the repository root (as make does). MG_KEEP_TMP=1 keeps the
// scratch directory (configs, broker logs, peer output).
#include "net_util.h"  // First: mongoose.h sets the feature macros

#include <arpa/inet.h>
#include <signal.h>
#include <sys/wait.h>

#define MOSQUITTO "/usr/sbin/mosquitto"
#define MOSQ_PUB "/usr/bin/mosquitto_pub"
#define MOSQ_SUB "/usr/bin/mosquitto_sub"
#define STDBUF "/usr/bin/stdbuf"  // Line-buffered mosquitto_sub output
#define PYTHON "/usr/bin/python3"
#define NODE "/usr/bin/node"
#define PAHO_C_PUB "/usr/bin/paho_c_pub"
#define PAHO_C_SUB "/usr/bin/paho_c_sub"
#define INTEROP_DIR "test/interop"
#define PAHO_SCRIPT INTEROP_DIR "/mqtt_paho.py"
#define JS_SCRIPT INTEROP_DIR "/mqtt_js.js"
#define MQTT_JS INTEROP_DIR "/node_modules/mqtt/package.json"
#define BROKER_EXAMPLE "examples/mqtt_broker/mqtt_broker"
#define WS_EXAMPLE \
  "examples/mqtt_over_websocket_server/mqtt_over_websocket_server"

#define PEER_SECONDS 30.0      // Longest any peer may run
#define STEP_SECONDS 10.0      // Longest one wait of ours may take
#define START_SECONDS 10.0     // Longest a broker may take to listen
#define MAX_PEERS 12           // Peers of one test
#define MAX_PKT (1024 * 1024)  // mosquitto's max_packet_size (ours alike)
#define RSS_SLACK_KB 8192      // A hostile client may cost the broker this much

enum kind { INPROC, EXAMPLE, MOSQ };
static const enum kind s_kinds[] = {INPROC, EXAMPLE, MOSQ};
static const char *const s_kind_names[] = {"inproc", "example", "mosquitto"};

// The broker under test of the current test.
struct target {
  enum kind kind;
  int port;         // MQTT over TCP
  int ws_port;      // HTTP with the WebSocket endpoint /mqtt; 0: none
  int ws_tcp_port;  // MQTT over TCP of the broker behind ws_port
  pid_t pid;        // External broker (example, mosquitto), else 0
  pid_t ws_pid;     // The example's WebSocket server, else 0
  char ws_url[64];  // "ws://127.0.0.1:WS_PORT/mqtt"
};

struct peer {
  pid_t pid;       // 0 once reaped
  int code;        // Exit code, 128 + signal; -1 while running
  char path[128];  // Its stdout and stderr
  char *out;       // Their text so far (read by peer_out())
};

static char s_dir[64];  // Scratch directory of the whole run
static int s_seq;       // Names scratch files
static struct target s_t;
static struct mg_mgr s_mgr;  // Always polled; holds the inproc broker
static int s_mgr_live;
static struct mg_mqtt_broker s_brk;
static struct peer s_peers[MAX_PEERS];
static int s_num_peers;
static int s_fds[16];  // Raw sockets, closed by teardown
static int s_num_fds;

static void step(void) {
  mg_mgr_poll(&s_mgr, 5);
}

static void skip_missing(const char *what, const char *how) {
  print_message("SKIP: %s is missing; install it with: %s\n", what, how);
  skip();
}

static void need(const char *path, const char *how) {
  if (access(path, X_OK) != 0 && access(path, R_OK) != 0) {
    skip_missing(path, how);
  }
}

// ---- Peers ------------------------------------------------------------------

// Forks argv (argv[0] an absolute path), stdin from in_path or /dev/null,
// stdout and stderr into a scratch file.
static struct peer *spawn(const char *const argv[], const char *in_path) {
  struct peer *p;
  pid_t pid;
  assert_true(s_num_peers < MAX_PEERS);
  p = &s_peers[s_num_peers++];
  memset(p, 0, sizeof(*p));
  p->code = -1;
  snprintf(p->path, sizeof(p->path), "%s/peer%d.out", s_dir, ++s_seq);
  fflush(NULL);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int in = open(in_path != NULL ? in_path : "/dev/null", O_RDONLY);
    int out = open(p->path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0) _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    for (in = 3; in < 1024; in++) close(in);  // Our raw sockets stay ours
    execv(argv[0], (char *const *) argv);
    _exit(127);
  }
  p->pid = pid;
  return p;
}

// Reaps p if it has exited. Returns 1 once it has.
static int peer_reap(struct peer *p, int block) {
  int st;
  if (p->pid == 0) return 1;
  if (waitpid(p->pid, &st, block ? 0 : WNOHANG) != p->pid) return 0;
  p->code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  p->pid = 0;
  return 1;
}

static void peer_kill(struct peer *p, int sig) {
  if (p->pid > 0) {
    kill(p->pid, sig);
    if (sig == SIGKILL) peer_reap(p, 1);
  }
}

// The peer's output so far, NUL-terminated.
static const char *peer_out(struct peer *p) {
  FILE *fp = fopen(p->path, "rb");
  long n = 0;
  free(p->out);
  p->out = NULL;
  if (fp != NULL && fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0) {
    rewind(fp);
    p->out = (char *) calloc(1, (size_t) n + 1);
    if (p->out != NULL && n > 0) n = (long) fread(p->out, 1, (size_t) n, fp);
  }
  if (fp != NULL) fclose(fp);
  if (p->out == NULL) p->out = (char *) calloc(1, 1);
  assert_non_null(p->out);
  return p->out;
}

// Polls until the peer's output holds needle (1), or it exited without it,
// or STEP_SECONDS pass (0).
static int wait_out(struct peer *p, const char *needle) {
  double deadline = mg_time() + STEP_SECONDS;
  for (;;) {
    int gone = peer_reap(p, 0);
    if (strstr(peer_out(p), needle) != NULL) return 1;
    if (gone || mg_time() > deadline) return 0;
    step();
  }
}

// Polls until the peer exits (its exit code) or PEER_SECONDS pass (it is
// killed: -1).
static int wait_exit(struct peer *p) {
  double deadline = mg_time() + PEER_SECONDS;
  while (!peer_reap(p, 0)) {
    if (mg_time() > deadline) {
      peer_kill(p, SIGKILL);
      return -1;
    }
    step();
  }
  return p->code;
}

#define assert_has(p, s)                                             \
  do {                                                               \
    if (strstr(peer_out(p), (s)) == NULL)                            \
      fail_msg("no \"%s\" in the output of %s:\n%s", (s), (p)->path, \
               (p)->out);                                            \
  } while (0)
#define assert_lacks(p, s)                                                   \
  do {                                                                       \
    if (strstr(peer_out(p), (s)) != NULL)                                    \
      fail_msg("\"%s\" in the output of %s:\n%s", (s), (p)->path, (p)->out); \
  } while (0)
#define assert_waits(p, s)                                                    \
  do {                                                                        \
    if (!wait_out((p), (s)))                                                  \
      fail_msg("no \"%s\" from %s (exit %d):\n%s", (s), (p)->path, (p)->code, \
               (p)->out);                                                     \
  } while (0)
#define assert_exit0(p)                                             \
  do {                                                              \
    int code_ = wait_exit(p);                                       \
    if (code_ != 0)                                                 \
      fail_msg("%s exited %d:\n%s", (p)->path, code_, peer_out(p)); \
  } while (0)

static char s_port_str[16], s_ws_tcp_port_str[16];

// mosquitto_sub -d (line-buffered, to wait for its SUBACK) on the broker
// under test: COUNT messages (0: until killed), printed as FORMAT.
static struct peer *mosq_sub(const char *port, const char *filter, int qos,
                             int count, const char *format) {
  static char q[4][8], c[4][8];
  static int i;
  const char *argv[20];
  int n = 0;
  i = (i + 1) % 4;
  need(MOSQ_SUB, "apt-get install -y mosquitto-clients");
  snprintf(q[i], sizeof(q[i]), "%d", qos);
  snprintf(c[i], sizeof(c[i]), "%d", count);
  argv[n++] = STDBUF;
  argv[n++] = "-oL";
  argv[n++] = MOSQ_SUB;
  argv[n++] = "-d";
  argv[n++] = "-h";
  argv[n++] = "127.0.0.1";
  argv[n++] = "-p";
  argv[n++] = port;
  argv[n++] = "-t";
  argv[n++] = filter;
  argv[n++] = "-q";
  argv[n++] = q[i];
  if (count > 0) {
    argv[n++] = "-C";
    argv[n++] = c[i];
  }
  argv[n++] = "-F";
  argv[n++] = format;
  argv[n] = NULL;
  return spawn(argv, NULL);
}

// Waits for mosquitto_sub's SUBACK with the granted QoS.
static void mosq_subscribed(struct peer *p, int granted) {
  char want[64];
  snprintf(want, sizeof(want), "Subscribed (mid: 1): %d", granted);
  assert_waits(p, want);
}

// mosquitto_pub; extra options (up to 4, NULL-terminated) then waits for it.
static void mosq_pub(const char *port, const char *topic, int qos,
                     const char *o1, const char *o2, const char *o3,
                     const char *o4) {
  char q[8];
  const char *argv[20];
  int n = 0;
  struct peer *p;
  need(MOSQ_PUB, "apt-get install -y mosquitto-clients");
  snprintf(q, sizeof(q), "%d", qos);
  argv[n++] = MOSQ_PUB;
  argv[n++] = "-h";
  argv[n++] = "127.0.0.1";
  argv[n++] = "-p";
  argv[n++] = port;
  argv[n++] = "-t";
  argv[n++] = topic;
  argv[n++] = "-q";
  argv[n++] = q;
  if (o1 != NULL) argv[n++] = o1;
  if (o2 != NULL) argv[n++] = o2;
  if (o3 != NULL) argv[n++] = o3;
  if (o4 != NULL) argv[n++] = o4;
  argv[n] = NULL;
  p = spawn(argv, NULL);
  assert_exit0(p);
}

// /usr/bin/python3 mqtt_paho.py MODE PORT args... (up to 5, NULL-ended).
static struct peer *paho(const char *mode, const char *a1, const char *a2,
                         const char *a3, const char *a4, const char *a5) {
  const char *argv[] = {PYTHON, PAHO_SCRIPT, mode, s_port_str, a1,
                        a2,     a3,          a4,   a5,         NULL};
  need(PYTHON, "apt-get install -y python3");
  assert_int_equal(access(PAHO_SCRIPT, R_OK), 0);  // Run from the repo root
  {
    static int checked, have;
    if (!checked) {
      const char *chk[] = {PYTHON, "-c", "import paho.mqtt.client", NULL};
      struct peer *p = spawn(chk, NULL);
      checked = 1;
      have = wait_exit(p) == 0;
    }
    if (!have) {
      skip_missing(PYTHON " with paho.mqtt",
                   "apt-get install -y python3-paho-mqtt");
    }
  }
  return spawn(argv, NULL);
}

// ---- Brokers under test -----------------------------------------------------

static void http_404(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev == MG_EV_HTTP_REQUEST) mg_http_send_error(nc, 404, NULL);
}

// Waits until an external broker listens on port; 0 if it exited first
// (then *pid is 0: reaped).
static int wait_listening(pid_t *pid, int port) {
  double deadline = mg_time() + START_SECONDS;
  int st;
  while (mg_time() < deadline) {
    if (loopback_port_taken(SOCK_STREAM, port)) return 1;
    if (waitpid(*pid, &st, WNOHANG) == *pid) {
      *pid = 0;
      return 0;
    }
    usleep(10000);
  }
  return 0;
}

static pid_t spawn_broker(const char *const argv[], const char *log) {
  char path[128];
  pid_t pid;
  snprintf(path, sizeof(path), "%s/%s", s_dir, log);
  fflush(NULL);
  if ((pid = fork()) == 0) {
    int out = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    int in = open("/dev/null", O_RDONLY);
    if (out < 0 || in < 0) _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    for (in = 3; in < 1024; in++) close(in);
    execv(argv[0], (char *const *) argv);
    _exit(127);
  }
  assert_true(pid > 0);
  return pid;
}

// Stops an external broker by its PID. Returns 0 if it had exited by
// itself (a crash: its log says more), else 1.
static int stop_broker(pid_t *pid) {
  int st, running = 1;
  if (*pid <= 0) return 1;
  if (waitpid(*pid, &st, WNOHANG) == *pid) {
    running = 0;
  } else {
    kill(*pid, SIGKILL);
    waitpid(*pid, &st, 0);
  }
  *pid = 0;
  return running;
}

static int mosquitto_start(struct target *t, int with_ws) {
  char conf[128];
  FILE *fp;
  const char *argv[] = {MOSQUITTO, "-c", conf, NULL};
  snprintf(conf, sizeof(conf), "%s/mosquitto%d.conf", s_dir, ++s_seq);
  t->port = free_loopback_port(SOCK_STREAM);
  t->ws_port = with_ws ? free_loopback_port(SOCK_STREAM) : 0;
  assert_true(t->port > 0 && (!with_ws || t->ws_port > 0));
  assert_non_null(fp = fopen(conf, "w"));
  fprintf(fp,
          "allow_anonymous true\npersistence false\nmax_packet_size %d\n"
          "listener %d 127.0.0.1\n",
          MAX_PKT, t->port);
  if (with_ws)
    fprintf(fp, "listener %d 127.0.0.1\nprotocol websockets\n", t->ws_port);
  fclose(fp);
  t->pid = spawn_broker(argv, "mosquitto.log");
  if (!wait_listening(&t->pid, t->port) ||
      (with_ws && !wait_listening(&t->pid, t->ws_port))) {
    stop_broker(&t->pid);
    return 0;
  }
  t->ws_tcp_port = t->port;
  return 1;
}

static int teardown_target(void **state);

static int start_target(void **state) {
  static int mosquitto_ws = -1;  // Can this mosquitto serve websockets?
  struct target *t = &s_t;
  enum kind kind = *(const enum kind *) *state;
  memset(t, 0, sizeof(*t));
  t->kind = kind;
  s_num_peers = 0;
  s_num_fds = 0;
  mg_mgr_init(&s_mgr, NULL);
  s_mgr_live = 1;
  if (kind == INPROC) {
    struct mg_connection *lc, *hc;
    mg_mqtt_broker_init(&s_brk, NULL);
    lc = mg_bind(&s_mgr, "tcp://127.0.0.1:0", mg_mqtt_broker);
    hc = mg_bind(&s_mgr, "tcp://127.0.0.1:0", http_404);
    if (lc == NULL || hc == NULL) return -1;
    lc->priv_2 = &s_brk;
    mg_set_protocol_mqtt(lc);
    hc->priv_2 = &s_brk;
    mg_set_protocol_http_websocket(hc);
    mg_register_http_endpoint(hc, "/mqtt", MG_CB(mg_mqtt_broker, NULL));
    t->port = t->ws_tcp_port = conn_port(lc);
    t->ws_port = conn_port(hc);
  } else if (kind == EXAMPLE) {
    char l[32], h[32], m[32];
    const char *a1[] = {BROKER_EXAMPLE, "-l", l, NULL};
    const char *a2[] = {WS_EXAMPLE, "-l", h, "-m", m, NULL};
    if (access(BROKER_EXAMPLE, X_OK) != 0 || access(WS_EXAMPLE, X_OK) != 0) {
      print_message("%s or %s is not built (make examples)\n", BROKER_EXAMPLE,
                    WS_EXAMPLE);
      return -1;
    }
    int attempt, up = 0;
    // A free port can be taken by another process before the example
    // binds it (the example then exits): a few tries with new ports.
    for (attempt = 0; attempt < 3 && !up; attempt++) {
      t->port = free_loopback_port(SOCK_STREAM);
      snprintf(l, sizeof(l), "127.0.0.1:%d", t->port);
      t->pid = spawn_broker(a1, "mqtt_broker.log");
      if (!(up = wait_listening(&t->pid, t->port))) stop_broker(&t->pid);
    }
    if (!up) return -1;
    for (attempt = 0, up = 0; attempt < 3 && !up; attempt++) {
      t->ws_port = free_loopback_port(SOCK_STREAM);
      t->ws_tcp_port = free_loopback_port(SOCK_STREAM);
      snprintf(h, sizeof(h), "127.0.0.1:%d", t->ws_port);
      snprintf(m, sizeof(m), "127.0.0.1:%d", t->ws_tcp_port);
      t->ws_pid = spawn_broker(a2, "mqtt_over_websocket_server.log");
      up = wait_listening(&t->ws_pid, t->ws_port) &&
           wait_listening(&t->ws_pid, t->ws_tcp_port);
      if (!up) stop_broker(&t->ws_pid);
    }
    if (!up) return -1;
  } else {
    if (access(MOSQUITTO, X_OK) != 0) {
      print_message(
          "%s is missing; install it with: apt-get install -y "
          "mosquitto\n",
          MOSQUITTO);
      return -1;
    }
    if (mosquitto_ws != 0 && mosquitto_start(t, 1)) {
      mosquitto_ws = 1;
    } else {
      if (mosquitto_ws < 0) {
        print_message(
            "mosquitto has no websockets listener here: its "
            "WebSocket tests are skipped\n");
      }
      mosquitto_ws = 0;
      if (!mosquitto_start(t, 0)) return -1;
    }
  }
  if (t->ws_port > 0) {
    snprintf(t->ws_url, sizeof(t->ws_url), "ws://127.0.0.1:%d/mqtt",
             t->ws_port);
  }
  snprintf(s_port_str, sizeof(s_port_str), "%d", t->port);
  snprintf(s_ws_tcp_port_str, sizeof(s_ws_tcp_port_str), "%d", t->ws_tcp_port);
  return 0;
}

// Starts the test's broker; what did start is stopped again on failure.
static int setup_target(void **state) {
  if (start_target(state) == 0) return 0;
  print_message("the %s broker did not start (logs in %s)\n",
                s_kind_names[s_t.kind], s_dir);
  teardown_target(state);
  return -1;
}

// Ends the peers, then the broker; fails the test if an external broker
// died during it.
static int teardown_target(void **state) {
  int i, alive = 1;
  (void) state;
  for (i = 0; i < s_num_peers; i++) {
    peer_kill(&s_peers[i], SIGKILL);
    free(s_peers[i].out);
    s_peers[i].out = NULL;
  }
  s_num_peers = 0;
  for (i = 0; i < s_num_fds; i++) close(s_fds[i]);
  s_num_fds = 0;
  alive &= stop_broker(&s_t.pid);
  alive &= stop_broker(&s_t.ws_pid);
  if (s_mgr_live) {
    mg_mgr_free(&s_mgr);
    if (s_t.kind == INPROC) mg_mqtt_broker_free(&s_brk);
    s_mgr_live = 0;
  }
  if (!alive) {
    print_message("the %s broker exited during the test (logs in %s)\n",
                  s_kind_names[s_t.kind], s_dir);
  }
  return alive ? 0 : -1;
}

// VmRSS of an external broker in KiB (0 for the in-process one).
static long broker_rss_kb(void) {
  char path[64], line[256];
  long kb = 0;
  FILE *fp;
  if (s_t.pid <= 0) return 0;
  snprintf(path, sizeof(path), "/proc/%d/status", (int) s_t.pid);
  if ((fp = fopen(path, "r")) == NULL) return 0;
  while (fgets(line, sizeof(line), fp) != NULL) {
    if (strncmp(line, "VmRSS:", 6) == 0) kb = atol(line + 6);
  }
  fclose(fp);
  return kb;
}

// ---- Raw sockets ------------------------------------------------------------

static int raw_open(int port) {
  int fd = raw_connect(port);
  assert_true(s_num_fds < (int) (sizeof(s_fds) / sizeof(s_fds[0])));
  s_fds[s_num_fds++] = fd;
  return fd;
}

// Sends what the socket takes of s (the broker may close half-way).
static void raw_put(int fd, const void *s, size_t n) {
  const char *p = (const char *) s;
  double deadline = mg_time() + STEP_SECONDS;
  while (n > 0 && mg_time() < deadline) {
    ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
    if (k > 0) {
      p += k;
      n -= (size_t) k;
    } else if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      break;
    } else {
      step();
    }
  }
}

// Reads until the broker closes (returns 1) or secs pass (0); what came is
// in buf (*len bytes).
static int raw_until_close(int fd, char *buf, size_t cap, size_t *len,
                           double secs) {
  double deadline = mg_time() + secs;
  *len = 0;
  while (mg_time() < deadline) {
    ssize_t k = recv(fd, buf + *len, cap - *len, MSG_DONTWAIT);
    if (k == 0 || (k < 0 && errno == ECONNRESET)) return 1;
    if (k > 0) {
      *len += (size_t) k;
      if (*len == cap) return 0;
    } else {
      step();
    }
  }
  return 0;
}

// Reads exactly n bytes, or fails.
static void raw_expect(int fd, const char *want, size_t n) {
  char buf[64];
  size_t got = 0;
  double deadline = mg_time() + STEP_SECONDS;
  assert_true(n <= sizeof(buf));
  while (got < n && mg_time() < deadline) {
    ssize_t k = recv(fd, buf + got, n - got, MSG_DONTWAIT);
    if (k == 0) break;
    if (k > 0) {
      got += (size_t) k;
    } else {
      step();
    }
  }
  assert_int_equal(got, n);
  assert_memory_equal(buf, want, n);
}

static const char s_connect[] =  // Client id "raw", clean session, 60 s
    "\x10\x0f\x00\x04MQTT\x04\x02\x00\x3c\x00\x03raw";
static const char s_connack0[] = "\x20\x02\x00\x00";

// ---- The tests --------------------------------------------------------------

static void hex(char *dst, const unsigned char *s, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) sprintf(dst + 2 * i, "%02x", s[i]);
  dst[2 * n] = '\0';
}

// mosquitto_pub -f FILE (256 bytes 0x00..0xff) to mosquitto_sub; every
// pairing of publish and subscription QoS is delivered at the minimum.
static void test_mosquitto_clients_qos_0_1_2_round_trips(void **state) {
  static const int cases[][3] = {{0, 0, 0}, {1, 1, 1}, {2, 2, 2},
                                 {0, 2, 0}, {2, 1, 1}, {1, 2, 1}};
  unsigned char bin[256];
  char file[128], payload_hex[600], topic[32], want[700];
  size_t i;
  FILE *fp;
  (void) state;
  for (i = 0; i < sizeof(bin); i++) bin[i] = (unsigned char) i;
  hex(payload_hex, bin, sizeof(bin));
  snprintf(file, sizeof(file), "%s/payload.bin", s_dir);
  assert_non_null(fp = fopen(file, "wb"));
  assert_int_equal(fwrite(bin, 1, sizeof(bin), fp), sizeof(bin));
  fclose(fp);
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    int sq = cases[i][0], pq = cases[i][1], dq = cases[i][2];
    struct peer *sub;
    snprintf(topic, sizeof(topic), "rt/s%d/p%d", sq, pq);
    sub = mosq_sub(s_port_str, topic, sq, 1, "%t q=%q r=%r %x");
    mosq_subscribed(sub, sq);
    mosq_pub(s_port_str, topic, pq, "-f", file, NULL, NULL);
    assert_exit0(sub);
    snprintf(want, sizeof(want), "%s q=%d r=0 %s\n", topic, dq, payload_hex);
    assert_has(sub, want);
  }
}

// paho (python) subscribes at QoS 2 and gets a QoS 1 publish of
// mosquitto_pub at QoS 1 and its own QoS 2 publish at QoS 2.
static void test_paho_python_publish_and_subscribe(void **state) {
  struct peer *sub, *pub;
  (void) state;
  sub = paho("sub", "py/t", "2", "2", NULL, NULL);
  assert_waits(sub, "subscribed 2\n");
  mosq_pub(s_port_str, "py/t", 1, "-m", "from mosquitto_pub", NULL, NULL);
  assert_waits(sub,
               "msg py/t q=1 r=0 p=66726f6d206d6f7371756974746f5f707562\n");
  pub = paho("pub", "py/t", "2", "00ff00", NULL, NULL);
  assert_exit0(pub);
  assert_has(pub, "published\n");
  assert_exit0(sub);
  assert_has(sub, "msg py/t q=2 r=0 p=00ff00\n");
}

// A retained message reaches later subscribers with RETAIN=1 (the last one
// published), and an empty retained payload deletes it.
static void test_retained_message_kept_replaced_and_deleted(void **state) {
  struct peer *sub, *py;
  (void) state;
  mosq_pub(s_port_str, "ret/a", 1, "-r", "-m", "first", NULL);
  mosq_pub(s_port_str, "ret/a", 1, "-r", "-m", "second", NULL);
  sub = mosq_sub(s_port_str, "ret/#", 1, 1, "%t r=%r %p");
  assert_exit0(sub);
  assert_has(sub, "ret/a r=1 second\n");
  assert_lacks(sub, "first");
  py = paho("sub", "ret/+", "1", "1", NULL, NULL);
  assert_exit0(py);
  assert_has(py, "msg ret/a q=1 r=1 p=7365636f6e64\n");
  mosq_pub(s_port_str, "ret/a", 1, "-r", "-n", NULL, NULL);
  // --retained-only: prints retained messages, exits at the first live one.
  {
    const char *argv[] = {
        STDBUF,       "-oL", MOSQ_SUB, "-d", "-h", "127.0.0.1",       "-p",
        s_port_str,   "-t",  "ret/#",  "-q", "1",  "--retained-only", "-F",
        "%t r=%r %p", NULL};
    sub = spawn(argv, NULL);
  }
  mosq_subscribed(sub, 1);
  mosq_pub(s_port_str, "ret/a", 1, "-m", "live", NULL, NULL);
  assert_exit0(sub);
  assert_lacks(sub, "ret/a r=1");
  assert_has(sub, "received PUBLISH");  // The live one ended it
}

// The will of a paho client killed with SIGKILL is published; the will of
// one that sent DISCONNECT is not.
static void test_will_published_on_kill_9_not_after_disconnect(void **state) {
  struct peer *sub, *clean, *killed;
  (void) state;
  sub = mosq_sub(s_port_str, "will/#", 1, 1, "%t q=%q %p");
  mosq_subscribed(sub, 1);
  clean = paho("will-clean", "will-clean", "will/t", "clean-bye", NULL, NULL);
  assert_exit0(clean);
  assert_has(clean, "connected\n");
  killed = paho("will", "will-killed", "will/t", "killed-bye", NULL, NULL);
  assert_waits(killed, "connected\n");
  peer_kill(killed, SIGKILL);
  assert_exit0(sub);
  assert_has(sub, "will/t q=1 killed-bye\n");
  assert_lacks(sub, "clean-bye");
}

// A raw client with keep-alive 1 s and a will goes silent: the broker closes
// it after 1.5 x the keep-alive (not before 1 s; within STEP_SECONDS) and
// publishes the will.
static void test_keep_alive_expiry_closes_and_publishes_will(void **state) {
  static const char conn[] =
      "\x10\x20\x00\x04MQTT\x04\x0e\x00\x01\x00\x02ka"
      "\x00\x07will/ka\x00\x07"
      "expired";
  struct peer *sub;
  char buf[64];
  size_t n;
  double t0;
  int fd;
  (void) state;
  sub = mosq_sub(s_port_str, "will/ka", 1, 1, "%t q=%q %p");
  mosq_subscribed(sub, 1);
  fd = raw_open(s_t.port);
  raw_put(fd, conn, sizeof(conn) - 1);
  raw_expect(fd, s_connack0, 4);
  t0 = mg_time();
  // mosquitto 2.0 checks keep-alives every few seconds: ~3.8 s here.
  assert_true(raw_until_close(fd, buf, sizeof(buf), &n, STEP_SECONDS));
  assert_int_equal(n, 0);
  print_message("closed %.2f s after the CONNACK\n", mg_time() - t0);
  assert_true(mg_time() - t0 >= 1.0);
  assert_exit0(sub);
  assert_has(sub, "will/ka q=1 expired\n");
}

// One SUBSCRIBE with 10 filters (paho): 10 granted codes, and each filter
// delivers at its own QoS.
static void test_paho_ten_filters_in_one_subscribe(void **state) {
  struct peer *p;
  (void) state;
  p = paho("ten", NULL, NULL, NULL, NULL, NULL);
  assert_exit0(p);
  assert_has(p,
             "granted 0,1,2,0,1,2,0,1,2,0\n"
             "got ten/0 q=0\ngot ten/1 q=1\ngot ten/2 q=2\ngot ten/3 q=0\n"
             "got ten/4 q=1\ngot ten/5 q=2\ngot ten/6 q=0\ngot ten/7 q=1\n"
             "got ten/8 q=2\ngot ten/9 q=0\n");
}

// A raw SUBSCRIBE with 2 filters gets one SUBACK with 2 codes; UNSUBSCRIBE
// of a filter never subscribed gets its UNSUBACK; PINGREQ gets PINGRESP.
static void test_raw_suback_unsuback_pingresp_bytes(void **state) {
  static const char sub[] = "\x82\x0a\x00\x09\x00\x01\x61\x01\x00\x01\x62\x00";
  int fd;
  (void) state;
  fd = raw_open(s_t.port);
  raw_put(fd, s_connect, sizeof(s_connect) - 1);
  raw_expect(fd, s_connack0, 4);
  raw_put(fd, sub, sizeof(sub) - 1);
  raw_expect(fd, "\x90\x04\x00\x09\x01\x00", 6);
  raw_put(fd, "\xa2\x05\x00\x07\x00\x01z", 7);
  raw_expect(fd, "\xb0\x02\x00\x07", 4);
  raw_put(fd, "\xc0\x00", 2);
  raw_expect(fd, "\xd0\x00", 2);
}

// paho publishes 1000 QoS 1 messages; mosquitto_sub gets all, in order.
static void test_thousand_qos1_messages_in_order(void **state) {
  struct peer *sub, *pub;
  const char *s;
  int next = 0;
  (void) state;
  sub = mosq_sub(s_port_str, "order/t", 1, 1000, "%p");
  mosq_subscribed(sub, 1);
  pub = paho("pubmany", "order/t", "1", "1000", NULL, NULL);
  assert_exit0(pub);
  assert_has(pub, "published 1000\n");
  assert_exit0(sub);
  for (s = peer_out(sub); *s != '\0'; s = strchr(s, '\n') + 1) {
    char want[8];
    if (s[0] == 'm' && strcspn(s, "\n") == 5) {
      snprintf(want, sizeof(want), "m%04d", next);
      if (memcmp(s, want, 5) != 0) {
        fail_msg("message %d is %.5s", next, s);
      }
      next++;
    }
    if (strchr(s, '\n') == NULL) break;
  }
  assert_int_equal(next, 1000);
}

// $-topics are not matched by filters starting with a wildcard; $test/#
// matches them.
static void test_dollar_topics_not_matched_by_leading_wildcard(void **state) {
  struct peer *all, *plus, *dollar;
  (void) state;
  all = mosq_sub(s_port_str, "#", 0, 1, "%t %p");
  mosq_subscribed(all, 0);
  plus = mosq_sub(s_port_str, "+/x", 0, 1, "%t %p");
  mosq_subscribed(plus, 0);
  dollar = mosq_sub(s_port_str, "$test/#", 0, 1, "%t %p");
  mosq_subscribed(dollar, 0);
  mosq_pub(s_port_str, "$test/x", 0, "-m", "dollar", NULL, NULL);
  mosq_pub(s_port_str, "plain/x", 0, "-m", "plain", NULL, NULL);
  assert_exit0(all);
  assert_exit0(plus);
  assert_exit0(dollar);
  assert_has(all, "plain/x plain\n");
  assert_lacks(all, "dollar");
  assert_has(plus, "plain/x plain\n");
  assert_lacks(plus, "dollar");
  assert_has(dollar, "$test/x dollar\n");
}

// paho with clean session 0 subscribes and disconnects; QoS 1 messages
// published meanwhile come when it reconnects (session present = 1).
static void test_clean_session_0_offline_messages_redelivered(void **state) {
  struct peer *p;
  (void) state;
  p = paho("persist-sub", "cs0-client", "cs/#", NULL, NULL, NULL);
  assert_exit0(p);
  assert_has(p, "subscribed sp=0 1\n");
  mosq_pub(s_port_str, "cs/1", 1, "-m", "one", NULL, NULL);
  mosq_pub(s_port_str, "cs/2", 1, "-m", "two", NULL, NULL);
  mosq_pub(s_port_str, "cs/3", 1, "-m", "three", NULL, NULL);
  p = paho("persist-resume", "cs0-client", "3", NULL, NULL, NULL);
  assert_exit0(p);
  assert_has(p,
             "connected sp=1\nmsg cs/1 q=1 p=one\nmsg cs/2 q=1 p=two\n"
             "msg cs/3 q=1 p=three\n");
  p = paho("clean", "cs0-client", NULL, NULL, NULL, NULL);
  assert_exit0(p);
}

// A second CONNECT with the same client id takes over: the first
// connection is closed, the second is served.
static void test_same_client_id_takes_over_session(void **state) {
  char buf[64];
  size_t n;
  int a, b;
  (void) state;
  a = raw_open(s_t.port);
  raw_put(a, s_connect, sizeof(s_connect) - 1);
  raw_expect(a, s_connack0, 4);
  b = raw_open(s_t.port);
  raw_put(b, s_connect, sizeof(s_connect) - 1);
  raw_expect(b, s_connack0, 4);
  assert_true(raw_until_close(a, buf, sizeof(buf), &n, STEP_SECONDS));
  assert_int_equal(n, 0);
  raw_put(b, "\xc0\x00", 2);
  raw_expect(b, "\xd0\x00", 2);
}

// The paho C clients: paho_c_pub QoS 1 and 2 to paho_c_sub.
static void test_paho_c_clients_publish_and_subscribe(void **state) {
  const char *sub_argv[] = {PAHO_C_SUB, "-h",      "127.0.0.1", "-p",
                            s_port_str, "-t",      "pc/t",      "-q",
                            "2",        "--trace", "protocol",  NULL};
  const char *pub1[] = {PAHO_C_PUB, "-h", "127.0.0.1",  "-p",
                        s_port_str, "-t", "pc/t",       "-q",
                        "1",        "-m", "paho c one", NULL};
  const char *pub2[] = {PAHO_C_PUB, "-h", "127.0.0.1",  "-p",
                        s_port_str, "-t", "pc/t",       "-q",
                        "2",        "-m", "paho c two", NULL};
  struct peer *sub, *pub;
  (void) state;
  need(PAHO_C_SUB, "apt-get install -y paho.mqtt.c-examples");
  need(PAHO_C_PUB, "apt-get install -y paho.mqtt.c-examples");
  sub = spawn(sub_argv, NULL);
  assert_waits(sub, "<- SUBACK msgid: 1");
  pub = spawn(pub1, NULL);
  assert_exit0(pub);
  assert_waits(sub, "\npaho c one\n");
  assert_has(sub, "qos: 1 retained: 0 payload len(10): paho c one");
  pub = spawn(pub2, NULL);
  assert_exit0(pub);
  assert_waits(sub, "\npaho c two\n");
  assert_has(sub, "qos: 2 retained: 0 payload len(10): paho c two");
  peer_kill(sub, SIGKILL);
}

static void need_ws(void) {
  if (s_t.ws_port == 0) {
    print_message("SKIP: this %s has no WebSocket listener\n",
                  s_kind_names[s_t.kind]);
    skip();
  }
}

static void need_mqtt_js(void) {
  need(NODE, "apt-get install -y nodejs npm");
  if (access(MQTT_JS, R_OK) != 0) {
    skip_missing("npm mqtt (" MQTT_JS ")", "npm ci --prefix " INTEROP_DIR);
  }
}

// MQTT.js over ws://.../mqtt: QoS 0/1/2 to itself (200 B, 100000 B, empty),
// a retained message to a second client.
static void test_mqtt_js_over_websocket(void **state) {
  const char *argv[] = {NODE, JS_SCRIPT, "ws", s_t.ws_url, NULL};
  struct peer *p;
  (void) state;
  need_ws();
  need_mqtt_js();
  argv[3] = s_t.ws_url;
  p = spawn(argv, NULL);
  assert_exit0(p);
  assert_has(p,
             "subscribed 2\ngot js/small 200 q=1 ok\ngot js/big 100000 q=2 "
             "ok\ngot js/empty 0 q=0 ok\nretained js/ret kept\ndone\n");
}

// One broker behind both: MQTT.js over WebSocket to mosquitto_sub over TCP
// and mosquitto_pub over TCP to MQTT.js over WebSocket.
static void test_mqtt_js_websocket_and_tcp_clients_meet(void **state) {
  const char *pub[] = {NODE,       JS_SCRIPT, "pub", s_t.ws_url,
                       "cross/js", "from js", NULL};
  const char *sub[] = {NODE,      JS_SCRIPT, "sub", s_t.ws_url,
                       "cross/#", "1",       NULL};
  struct peer *tcp_sub, *js_pub, *js_sub;
  (void) state;
  need_ws();
  need_mqtt_js();
  pub[3] = sub[3] = s_t.ws_url;
  tcp_sub = mosq_sub(s_ws_tcp_port_str, "cross/js", 1, 1, "%t q=%q %p");
  mosq_subscribed(tcp_sub, 1);
  js_pub = spawn(pub, NULL);
  assert_exit0(js_pub);
  assert_exit0(tcp_sub);
  assert_has(tcp_sub, "cross/js q=1 from js\n");
  js_sub = spawn(sub, NULL);
  assert_waits(js_sub, "subscribed 1\n");
  mosq_pub(s_ws_tcp_port_str, "cross/tcp", 1, "-m", "from tcp", NULL, NULL);
  assert_exit0(js_sub);
  assert_has(js_sub, "msg cross/tcp q=1 p=from tcp\n");
}

// MQTT.js over plain TCP (mqtt://): the same exchange as over WebSocket.
static void test_mqtt_js_over_tcp(void **state) {
  char url[64];
  const char *argv[] = {NODE, JS_SCRIPT, "ws", url, NULL};
  struct peer *p;
  (void) state;
  need_mqtt_js();
  snprintf(url, sizeof(url), "mqtt://127.0.0.1:%d", s_t.port);
  p = spawn(argv, NULL);
  assert_exit0(p);
  assert_has(p,
             "subscribed 2\ngot js/small 200 q=1 ok\ngot js/big 100000 q=2 "
             "ok\ngot js/empty 0 q=0 ok\nretained js/ret kept\ndone\n");
}

// paho (python) over WebSocket: its own framing, a 70000-byte message.
static void test_paho_python_over_websocket(void **state) {
  char port[16];
  const char *argv[] = {PYTHON, PAHO_SCRIPT, "ws", port, "/mqtt", NULL};
  struct peer *p;
  (void) state;
  need_ws();
  snprintf(port, sizeof(port), "%d", s_t.ws_port);
  p = paho("clean", "paho-ws-probe", NULL, NULL, NULL, NULL);  // Or skip
  assert_exit0(p);
  p = spawn(argv, NULL);
  assert_exit0(p);
  assert_has(p,
             "subscribed 2\ngot pyws/a 10 q=0 ok\ngot pyws/b 70000 q=1 ok\n"
             "got pyws/c 300 q=2 ok\n");
}

// The paho C clients over WebSocket (-c ws://...).
static void test_paho_c_over_websocket(void **state) {
  const char *sub_argv[] = {PAHO_C_SUB, "-c", s_t.ws_url, "-t",       "pcw/t",
                            "-q",       "1",  "--trace",  "protocol", NULL};
  const char *pub_argv[] = {PAHO_C_PUB, "-c", s_t.ws_url, "-t",      "pcw/t",
                            "-q",       "1",  "-m",       "over ws", NULL};
  struct peer *sub, *pub;
  (void) state;
  need_ws();
  need(PAHO_C_SUB, "apt-get install -y paho.mqtt.c-examples");
  sub_argv[2] = pub_argv[2] = s_t.ws_url;
  sub = spawn(sub_argv, NULL);
  assert_waits(sub, "<- SUBACK msgid: 1");
  pub = spawn(pub_argv, NULL);
  assert_exit0(pub);
  assert_waits(sub, "\nover ws\n");
  peer_kill(sub, SIGKILL);
}

struct hostile {
  const char *name;
  const char *bytes;
  size_t len;
  const char *reply;  // What comes before the close
  size_t reply_len;
  size_t pad;  // Bytes of zeros sent after it (a body that never ends)
};
#define HOSTILE(name, b, r, pad) \
  { name, b, sizeof(b) - 1, r, sizeof(r) - 1, pad }

// Sends each case on a new connection (after a CONNECT and its CONNACK if
// connect_first) and checks the broker closes it after exactly the reply;
// a mosquitto_sub on the same broker then still gets its message, and the
// broker's memory stays flat.
static void hostile_cases(const struct hostile *cases, size_t num,
                          int connect_first) {
  static char zeros[65536];
  struct peer *sub;
  char buf[64], errors[2048] = "";
  size_t i, n, e = 0;
  long rss0, rss1;
  sub = mosq_sub(s_port_str, "hostile/t", 1, 1, "%t %p");
  mosq_subscribed(sub, 1);
  rss0 = broker_rss_kb();
  for (i = 0; i < num; i++) {
    int fd = raw_open(s_t.port), closed;
    if (connect_first) {
      raw_put(fd, s_connect, sizeof(s_connect) - 1);
      raw_expect(fd, s_connack0, 4);
    }
    raw_put(fd, cases[i].bytes, cases[i].len);
    if (cases[i].pad > 0) raw_put(fd, zeros, cases[i].pad);
    closed = raw_until_close(fd, buf, sizeof(buf), &n, STEP_SECONDS);
    if (!closed || n != cases[i].reply_len ||
        memcmp(buf, cases[i].reply, n) != 0) {
      char got[sizeof(buf) * 2 + 1];
      hex(got, (const unsigned char *) buf, n);
      e += (size_t) snprintf(errors + e, sizeof(errors) - e,
                             "%s: %s after \"%s\" (%d bytes expected)\n",
                             cases[i].name, closed ? "closed" : "NOT closed",
                             got, (int) cases[i].reply_len);
      if (e >= sizeof(errors)) e = sizeof(errors) - 1;
    }
    close(fd);
    s_fds[--s_num_fds] = -1;
  }
  rss1 = broker_rss_kb();
  mosq_pub(s_port_str, "hostile/t", 1, "-m", "still serving", NULL, NULL);
  assert_exit0(sub);
  assert_has(sub, "hostile/t still serving\n");
  if (errors[0] != '\0') fail_msg("%s", errors);
  if (rss1 - rss0 > RSS_SLACK_KB) {
    fail_msg("broker VmRSS grew from %ld to %ld KiB", rss0, rss1);
  }
}

// Hostile first packets: closed (after a refusing CONNACK where the rules
// give one), and only that client.
static void test_hostile_first_packets_close_only_that_client(void **state) {
  static const struct hostile cases[] = {
      HOSTILE("256 MB CONNECT", "\x10\xff\xff\xff\x7f", "", 65536),
      HOSTILE("256 MB PUBLISH first", "\x30\xff\xff\xff\x7f", "", 0),
      HOSTILE("SUBSCRIBE before CONNECT", "\x82\x06\x00\x01\x00\x01\x61\x00",
              "", 0),
      HOSTILE("5-byte remaining length", "\x10\xff\xff\xff\xff\x01", "", 0),
      HOSTILE("protocol name longer than the packet",
              "\x10\x0c\x00\x09MQTT\x04\x02\x00\x3c\x00\x00", "", 0),
      HOSTILE("reserved CONNECT flag",
              "\x10\x0c\x00\x04MQTT\x04\x03\x00\x3c\x00\x00", "", 0),
      HOSTILE("password without user name",
              "\x10\x0e\x00\x04MQTT\x04\x42\x00\x3c\x00\x00\x00\x00", "", 0),
      HOSTILE("protocol level 6",
              "\x10\x0c\x00\x04MQTT\x06\x02\x00\x3c\x00\x00",
              "\x20\x02\x00\x01", 0),
      HOSTILE("empty client id, clean session 0",
              "\x10\x0c\x00\x04MQTT\x04\x00\x00\x3c\x00\x00",
              "\x20\x02\x00\x02", 0),
  };
  (void) state;
  hostile_cases(cases, sizeof(cases) / sizeof(cases[0]), 0);
}

// Protocol violations after the CONNACK: closed, and only that client.
static void test_violations_after_connack_close_only_that_client(void **state) {
  static const struct hostile cases[] = {
      HOSTILE("second CONNECT",
              "\x10\x0f\x00\x04MQTT\x04\x02\x00\x3c\x00\x03raw", "", 0),
      HOSTILE("PUBLISH QoS 3", "\x36\x05\x00\x01\x61\x00\x01", "", 0),
      HOSTILE("PUBLISH to #", "\x30\x03\x00\x01#", "", 0),
      HOSTILE("PUBLISH to a/+", "\x30\x05\x00\x03\x61/+", "", 0),
      HOSTILE("PUBLISH QoS 1 packet id 0", "\x32\x05\x00\x01\x61\x00\x00", "",
              0),
      HOSTILE("SUBSCRIBE flags 0000", "\x80\x06\x00\x01\x00\x01\x61\x00", "",
              0),
      HOSTILE("SUBSCRIBE without a filter", "\x82\x02\x00\x01", "", 0),
      HOSTILE("2 MB PUBLISH", "\x30\x80\x80\x80\x01", "", 65536),
  };
  (void) state;
  hostile_cases(cases, sizeof(cases) / sizeof(cases[0]), 1);
}

// A subscriber that never reads while mosquitto_pub floods its topic with
// FLOOD_LINES QoS 0 messages of 1000 bytes: the broker's memory stays
// flat (it drops or disconnects, by its policy), and it goes on serving
// others.
#define FLOOD_LINES 30000
static void test_slow_subscriber_does_not_grow_broker_memory(void **state) {
  static const char sub[] = "\x82\x0a\x00\x01\x00\x05\x66lood\x00";
  const char *argv[] = {MOSQ_PUB, "-h", "127.0.0.1", "-p", s_port_str, "-t",
                        "flood",  "-q", "0",         "-l", NULL};
  char file[128], line[1001];
  struct peer *good, *pub;
  long rss0, rss1;
  FILE *fp;
  int fd, i, small = 4096;
  (void) state;
  need(MOSQ_PUB, "apt-get install -y mosquitto-clients");
  snprintf(file, sizeof(file), "%s/flood.txt", s_dir);
  memset(line, 'x', sizeof(line) - 1);
  line[sizeof(line) - 1] = '\0';
  assert_non_null(fp = fopen(file, "w"));
  for (i = 0; i < FLOOD_LINES; i++) fprintf(fp, "%s\n", line);
  fclose(fp);
  fd = raw_open(s_t.port);
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  raw_put(fd, s_connect, sizeof(s_connect) - 1);
  raw_expect(fd, s_connack0, 4);
  raw_put(fd, sub, sizeof(sub) - 1);
  raw_expect(fd, "\x90\x03\x00\x01\x00", 5);
  good = mosq_sub(s_port_str, "after/t", 1, 1, "%t %p");
  mosq_subscribed(good, 1);
  rss0 = broker_rss_kb();
  pub = spawn(argv, file);
  assert_exit0(pub);
  rss1 = broker_rss_kb();
  unlink(file);
  mosq_pub(s_port_str, "after/t", 1, "-m", "after the flood", NULL, NULL);
  assert_exit0(good);
  assert_has(good, "after/t after the flood\n");
  if (rss0 > 0) {
    print_message("broker VmRSS %ld -> %ld KiB over a %d MB flood\n", rss0,
                  rss1, FLOOD_LINES / 1000);
  }
  if (rss1 - rss0 > RSS_SLACK_KB) {
    fail_msg("broker VmRSS grew from %ld to %ld KiB", rss0, rss1);
  }
}

// ---- main -------------------------------------------------------------------

static const struct {
  const char *name;
  CMUnitTestFunction fn;
} s_tests[] = {
#define T(f) \
  { #f, f }
    T(test_mosquitto_clients_qos_0_1_2_round_trips),
    T(test_paho_python_publish_and_subscribe),
    T(test_retained_message_kept_replaced_and_deleted),
    T(test_will_published_on_kill_9_not_after_disconnect),
    T(test_keep_alive_expiry_closes_and_publishes_will),
    T(test_paho_ten_filters_in_one_subscribe),
    T(test_raw_suback_unsuback_pingresp_bytes),
    T(test_thousand_qos1_messages_in_order),
    T(test_dollar_topics_not_matched_by_leading_wildcard),
    T(test_clean_session_0_offline_messages_redelivered),
    T(test_same_client_id_takes_over_session),
    T(test_paho_c_clients_publish_and_subscribe),
    T(test_mqtt_js_over_websocket),
    T(test_mqtt_js_websocket_and_tcp_clients_meet),
    T(test_paho_c_over_websocket),
    T(test_mqtt_js_over_tcp),
    T(test_paho_python_over_websocket),
    T(test_hostile_first_packets_close_only_that_client),
    T(test_violations_after_connack_close_only_that_client),
    T(test_slow_subscriber_does_not_grow_broker_memory),
#undef T
};
#define NUM_TESTS (sizeof(s_tests) / sizeof(s_tests[0]))

static int wanted(const char *which, enum kind k) {
  if (strcmp(which, "all") == 0) return 1;
  if (strcmp(which, "ours") == 0) return k != MOSQ;
  return strcmp(which, s_kind_names[k]) == 0;
}

int main(void) {
  static struct CMUnitTest tests[3 * NUM_TESTS];
  static char names[3 * NUM_TESTS][96];
  const char *which = getenv("MG_MQTT_INTEROP_BROKER");
  const char *keep = getenv("MG_KEEP_TMP");
  size_t i, k, n = 0;
  int rc;
  char cmd[96];
  if (which == NULL || *which == '\0') which = "ours";
  for (k = 0; k < 3; k++) {
    if (!wanted(which, s_kinds[k])) continue;
    for (i = 0; i < NUM_TESTS; i++) {
      snprintf(names[n], sizeof(names[n]), "%s: %s", s_kind_names[k],
               s_tests[i].name);
      tests[n].name = names[n];
      tests[n].test_func = s_tests[i].fn;
      tests[n].setup_func = setup_target;
      tests[n].teardown_func = teardown_target;
      tests[n].initial_state = (void *) &s_kinds[k];
      n++;
    }
  }
  if (n == 0) {
    fprintf(stderr,
            "MG_MQTT_INTEROP_BROKER is ours, mosquitto, inproc, example or "
            "all, not '%s'\n",
            which);
    return 2;
  }
  snprintf(s_dir, sizeof(s_dir), "/tmp/mg_mqtt_interop_XXXXXX");
  if (mkdtemp(s_dir) == NULL) return 2;
  signal(SIGPIPE, SIG_IGN);
  rc =
      _cmocka_run_group_tests("test_mqtt_broker_interop", tests, n, NULL, NULL);
  if (keep != NULL && strcmp(keep, "1") == 0) {
    printf("scratch directory kept: %s\n", s_dir);
  } else {
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s_dir);
    if (system(cmd) != 0) printf("could not remove %s\n", s_dir);
  }
  return rc;
}
