// Interop: MQTT over TLS (mqtts) with real peers we did not write. Our
// MQTT client against mosquitto's TLS listener (mosquitto started with a
// generated config and a certificate made by `openssl req` at test time,
// ended by its PID), and mosquitto_pub/mosquitto_sub (--cafile) against
// our broker listening with TLS. In a build without TLS the test checks
// that asking for TLS fails with a message saying so.
#include "net_util.h"  // First: mongoose.h sets the feature macros

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#if MG_ENABLE_SSL
#define MOSQUITTO "/usr/sbin/mosquitto"
#define MOSQ_PUB "/usr/bin/mosquitto_pub"
#define MOSQ_SUB "/usr/bin/mosquitto_sub"
#define OPENSSL "/usr/bin/openssl"

static char s_dir[64];                        // Certificates, configs
static char s_cert[128], s_key[128];          // Server (SAN 127.0.0.1)
static char s_other[128], s_other_key[128];   // An unrelated self-signed one
static pid_t s_mosq_pid;                      // mosquitto
static int s_mosq_port;                       // Its TLS listener
static struct mg_mgr s_mgr;

// Runs argv to completion with output discarded. Returns its exit status.
static int run(const char *const argv[]) {
  pid_t pid;
  int st;
  fflush(NULL);
  if ((pid = fork()) == 0) {
    int fd = open("/dev/null", O_RDWR);
    if (fd >= 0) dup2(fd, 0), dup2(fd, 1), dup2(fd, 2);
    execv(argv[0], (char *const *) argv);
    _exit(127);
  }
  if (pid < 0 || waitpid(pid, &st, 0) != pid) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

// A self-signed EC certificate for CN/SAN name (and IP 127.0.0.1).
static int make_cert(const char *cert, const char *key, const char *cn,
                     const char *san) {
  char subj[64];
  const char *argv[20];
  int i = 0;
  snprintf(subj, sizeof(subj), "/CN=%s", cn);
  argv[i++] = OPENSSL, argv[i++] = "req", argv[i++] = "-x509";
  argv[i++] = "-newkey", argv[i++] = "ec", argv[i++] = "-pkeyopt";
  argv[i++] = "ec_paramgen_curve:P-256", argv[i++] = "-nodes";
  argv[i++] = "-days", argv[i++] = "2", argv[i++] = "-subj", argv[i++] = subj;
  argv[i++] = "-addext", argv[i++] = san, argv[i++] = "-keyout";
  argv[i++] = key, argv[i++] = "-out", argv[i++] = cert, argv[i] = NULL;
  return run(argv);
}

static pid_t spawn(const char *const argv[], const char *out_path) {
  pid_t pid;
  fflush(NULL);
  if ((pid = fork()) == 0) {
    int in = open("/dev/null", O_RDWR), fd;
    int out = out_path != NULL ? open(out_path, O_WRONLY | O_CREAT | O_TRUNC,
                                      0600)
                               : in;
    if (in < 0 || out < 0) _exit(126);
    dup2(in, 0), dup2(out, 1), dup2(out, 2);
    for (fd = 3; fd < 1024; fd++) close(fd);
    execv(argv[0], (char *const *) argv);
    _exit(127);
  }
  return pid;
}

// Ends pid: SIGTERM, then SIGKILL after 5 s.
static void stop(pid_t pid) {
  struct timespec ts = {0, 10000000};
  double deadline = mg_time() + 5;
  int st;
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  while (waitpid(pid, &st, WNOHANG) == 0) {
    if (mg_time() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      return;
    }
    nanosleep(&ts, NULL);
  }
}

static int start_mosquitto(void) {
  char conf[128];
  const char *argv[4];
  FILE *fp;
  int attempt;
  snprintf(conf, sizeof(conf), "%s/mosquitto.conf", s_dir);
  for (attempt = 0; attempt < 5; attempt++) {
    double deadline = mg_time() + 10;
    int st;
    if ((s_mosq_port = free_loopback_port(SOCK_STREAM)) == 0) return -1;
    if ((fp = fopen(conf, "w")) == NULL) return -1;
    fprintf(fp, "listener %d 127.0.0.1\nallow_anonymous true\n", s_mosq_port);
    fprintf(fp, "persistence false\ncertfile %s\nkeyfile %s\n", s_cert, s_key);
    fclose(fp);
    argv[0] = MOSQUITTO, argv[1] = "-c", argv[2] = conf, argv[3] = NULL;
    if ((s_mosq_pid = spawn(argv, NULL)) <= 0) return -1;
    while (!loopback_port_taken(SOCK_STREAM, s_mosq_port)) {
      struct timespec ts = {0, 10000000};
      if (waitpid(s_mosq_pid, &st, WNOHANG) == s_mosq_pid) break;
      if (mg_time() > deadline) break;
      nanosleep(&ts, NULL);
    }
    if (loopback_port_taken(SOCK_STREAM, s_mosq_port)) return 1;
    stop(s_mosq_pid);
    s_mosq_pid = 0;
  }
  return -1;
}

static int group_setup(void **state) {
  (void) state;
  snprintf(s_dir, sizeof(s_dir), "/tmp/mg_mqtts_XXXXXX");
  if (mkdtemp(s_dir) == NULL) return -1;
  snprintf(s_cert, sizeof(s_cert), "%s/server.pem", s_dir);
  snprintf(s_key, sizeof(s_key), "%s/server.key", s_dir);
  snprintf(s_other, sizeof(s_other), "%s/other.pem", s_dir);
  snprintf(s_other_key, sizeof(s_other_key), "%s/other.key", s_dir);
  mg_mgr_init(&s_mgr, NULL);
  return 0;
}

static int group_teardown(void **state) {
  char cmd[128];
  (void) state;
  mg_mgr_free(&s_mgr);
  stop(s_mosq_pid);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s_dir);
  return system(cmd) == 0 ? 0 : -1;
}

// Certificates and mosquitto, made once by the first test that needs them.
static void need_peers(void) {
  static int done;
  const char *missing = NULL;
  if (access(OPENSSL, X_OK) != 0) missing = OPENSSL " (openssl)";
  if (access(MOSQUITTO, X_OK) != 0) missing = MOSQUITTO " (mosquitto)";
  if (access(MOSQ_PUB, X_OK) != 0) missing = MOSQ_PUB " (mosquitto-clients)";
  if (missing != NULL) {
    print_message("SKIP: %s is missing; apt-get install -y openssl "
                  "mosquitto mosquitto-clients\n",
                  missing);
    skip();
  }
  if (done) return;
  done = 1;
  assert_int_equal(make_cert(s_cert, s_key, "localhost",
                             "subjectAltName=DNS:localhost,IP:127.0.0.1"),
                   0);
  assert_int_equal(make_cert(s_other, s_other_key, "other",
                             "subjectAltName=DNS:other"),
                   0);
  // mosquitto runs as its own user when started as root: it must read them.
  chmod(s_dir, 0755);
  chmod(s_key, 0644);
  assert_int_equal(start_mosquitto(), 1);
}

// ---- Our client against mosquitto ------------------------------------------

struct client {
  int connect_err, connected, connacks, subacks, closed;
  char got[64];
};

static void client_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct client *c = (struct client *) nc->user_data;
  struct mg_mqtt_message *m = (struct mg_mqtt_message *) ev_data;
  if (ev == MG_EV_CONNECT) {
    c->connect_err = *(int *) ev_data;
    if (c->connect_err != 0) return;
    c->connected = 1;
    mg_set_protocol_mqtt(nc);
    mg_send_mqtt_handshake(nc, "mg-tls-client");
  } else if (ev == MG_EV_MQTT_CONNACK && m->connack_ret_code == 0) {
    struct mg_mqtt_topic_expression t = {"mg/tls", 1};
    c->connacks++;
    mg_mqtt_subscribe(nc, &t, 1, 1);
  } else if (ev == MG_EV_MQTT_SUBACK) {
    c->subacks++;
    mg_mqtt_publish(nc, "mg/tls", 2, MG_MQTT_QOS(1), "over TLS", 8);
  } else if (ev == MG_EV_MQTT_PUBLISH) {
    snprintf(c->got, sizeof(c->got), "%.*s:%.*s", (int) m->topic.len,
             m->topic.p, (int) m->payload.len, m->payload.p);
  } else if (ev == MG_EV_CLOSE) {
    c->closed = 1;
  }
}

static int client_got(void *arg) {
  struct client *c = (struct client *) arg;
  return c->got[0] != '\0' || c->closed;
}

static int client_closed(void *arg) {
  return ((struct client *) arg)->closed;
}

static struct mg_connection *connect_mosquitto(struct client *c,
                                               const char *ca) {
  struct mg_connect_opts opts;
  const char *err = NULL;
  char addr[64];
  struct mg_connection *nc;
  memset(c, 0, sizeof(*c));
  memset(&opts, 0, sizeof(opts));
  opts.user_data = c;
  opts.error_string = &err;
  opts.ssl_ca_cert = ca;
  snprintf(addr, sizeof(addr), "tcp://127.0.0.1:%d", s_mosq_port);
  nc = mg_connect_opt(&s_mgr, addr, client_handler, opts);
  if (nc == NULL) fail_msg("connect: %s", err);
  return nc;
}

// Subscribe, publish QoS 1 to ourselves, get it back: all over TLS.
static void test_client_round_trip_over_tls(void **state) {
  struct client c;
  struct mg_connection *nc;
  (void) state;
  need_peers();
  nc = connect_mosquitto(&c, s_cert);
  assert_true(poll_until(&s_mgr, client_got, &c, 10));
  assert_int_equal(c.connect_err, 0);
  assert_true((nc->flags & MG_F_SSL) && (nc->flags & MG_F_SSL_HANDSHAKE_DONE));
  assert_int_equal(c.connacks, 1);
  assert_int_equal(c.subacks, 1);
  assert_string_equal(c.got, "mg/tls:over TLS");
  nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  assert_true(poll_until(&s_mgr, client_closed, &c, 5));
}

// A broker whose certificate we do not trust: MG_EV_CONNECT says why and
// no MQTT byte is sent.
static void test_client_refuses_untrusted_broker(void **state) {
  struct client c;
  (void) state;
  need_peers();
  connect_mosquitto(&c, s_other);
  assert_true(poll_until(&s_mgr, client_closed, &c, 10));
  assert_int_equal(c.connect_err, MG_ETLS_CERT);
  assert_int_equal(c.connected, 0);
  assert_int_equal(c.connacks, 0);
}

// ---- mosquitto_pub / mosquitto_sub against our broker ----------------------

static struct mg_mqtt_broker s_brk;

static void broker_handler(struct mg_connection *nc, int ev, void *ev_data) {
  if (ev == MG_EV_ACCEPT) {
    // With TLS, MG_EV_ACCEPT comes after the handshake.
    assert_true(nc->flags & MG_F_SSL_HANDSHAKE_DONE);
  }
  mg_mqtt_broker(nc, ev, ev_data);
}

static size_t read_file(const char *path, char *buf, size_t cap) {
  FILE *fp = fopen(path, "rb");
  size_t n = 0;
  if (fp != NULL) {
    n = fread(buf, 1, cap - 1, fp);
    fclose(fp);
  }
  buf[n] = '\0';
  return n;
}

// Polls while pid runs; returns its exit status (-1 after seconds).
static int poll_child(pid_t pid, double seconds) {
  double deadline = mg_time() + seconds;
  int st;
  while (mg_time() < deadline) {
    if (waitpid(pid, &st, WNOHANG) == pid) {
      return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    }
    mg_mgr_poll(&s_mgr, 10);
  }
  stop(pid);
  return -1;
}

static void test_mosquitto_clients_against_our_tls_broker(void **state) {
  struct mg_bind_opts opts;
  struct mg_connection *lc;
  const char *err = NULL;
  char port[16], out[128], buf[256];
  const char *sub[20], *pub[20];
  pid_t sub_pid, pub_pid;
  int i = 0, j = 0;
  (void) state;
  need_peers();
  memset(&opts, 0, sizeof(opts));
  opts.ssl_cert = s_cert;
  opts.ssl_key = s_key;
  opts.error_string = &err;
  mg_mqtt_broker_init(&s_brk, NULL);
  lc = mg_bind_opt(&s_mgr, "tcp://127.0.0.1:0", broker_handler, opts);
  if (lc == NULL) fail_msg("bind: %s", err);
  lc->priv_2 = &s_brk;  // The broker of the connections it accepts
  mg_set_protocol_mqtt(lc);
  snprintf(port, sizeof(port), "%d", conn_port(lc));
  snprintf(out, sizeof(out), "%s/sub.out", s_dir);
  // The subscriber takes one retained message: no race with its SUBSCRIBE.
  pub[j++] = MOSQ_PUB, pub[j++] = "-h", pub[j++] = "127.0.0.1";
  pub[j++] = "-p", pub[j++] = port, pub[j++] = "--cafile", pub[j++] = s_cert;
  pub[j++] = "-t", pub[j++] = "tls/x", pub[j++] = "-m";
  pub[j++] = "retained over TLS", pub[j++] = "-r", pub[j++] = "-q";
  pub[j++] = "1", pub[j] = NULL;
  pub_pid = spawn(pub, NULL);
  assert_true(pub_pid > 0);
  assert_int_equal(poll_child(pub_pid, 15), 0);
  sub[i++] = MOSQ_SUB, sub[i++] = "-h", sub[i++] = "127.0.0.1";
  sub[i++] = "-p", sub[i++] = port, sub[i++] = "--cafile", sub[i++] = s_cert;
  sub[i++] = "-t", sub[i++] = "tls/#", sub[i++] = "-C", sub[i++] = "1";
  sub[i++] = "-W", sub[i++] = "10", sub[i++] = "-v", sub[i] = NULL;
  sub_pid = spawn(sub, out);
  assert_true(sub_pid > 0);
  assert_int_equal(poll_child(sub_pid, 15), 0);
  read_file(out, buf, sizeof(buf));
  assert_string_equal(buf, "tls/x retained over TLS\n");
  // A client that does not trust us never gets to MQTT: mosquitto_pub
  // fails, and the broker keeps serving (a second publish works).
  pub[6] = s_other;
  pub_pid = spawn(pub, NULL);
  assert_true(pub_pid > 0);
  assert_int_not_equal(poll_child(pub_pid, 15), 0);
  pub[6] = s_cert;
  pub_pid = spawn(pub, NULL);
  assert_int_equal(poll_child(pub_pid, 15), 0);
  lc->flags |= MG_F_CLOSE_IMMEDIATELY;
  for (i = 0; i < 20; i++) mg_mgr_poll(&s_mgr, 1);
  mg_mqtt_broker_free(&s_brk);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_client_round_trip_over_tls),
      cmocka_unit_test(test_client_refuses_untrusted_broker),
      cmocka_unit_test(test_mosquitto_clients_against_our_tls_broker),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

#else  // !MG_ENABLE_SSL

// Without TLS, asking for it is an error with a message, not plain TCP.
static void test_tls_not_built(void **state) {
  struct mg_mgr mgr;
  struct mg_connect_opts opts;
  const char *err = NULL;
  (void) state;
  mg_mgr_init(&mgr, NULL);
  memset(&opts, 0, sizeof(opts));
  opts.flags = MG_F_SSL;
  opts.error_string = &err;
  assert_null(mg_connect_opt(&mgr, "tcp://127.0.0.1:8883", NULL, opts));
  assert_non_null(err);
  assert_non_null(strstr(err, "TLS not built"));
  assert_null(mg_next(&mgr, NULL));
  mg_mgr_free(&mgr);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tls_not_built),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif
