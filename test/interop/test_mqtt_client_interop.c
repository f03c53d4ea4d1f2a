// Interop: our MQTT client against mosquitto (Debian's mosquitto), a real
// broker we did not write. mosquitto runs in the foreground with a
// generated config (one listener on a free port of 127.0.0.1, anonymous
// clients, no persistence), started once for the group and ended by its
// PID. QoS 0/1/2 round trips (we subscribe and publish to ourselves), a
// retained message, the will on an abrupt close, the client session
// resending across a reconnect (QoS 1 never sent, QoS 2 whose PUBREL was
// lost: each delivered exactly once), and the keep-alive ping; then
// examples/mqtt_client (started as a child, ended by its PID) prints and
// forwards what we publish. Without mosquitto the tests skip and say how
// to install it.
#include "net_util.h"  // First: mongoose.h sets the feature macros

#include <signal.h>
#include <sys/wait.h>

#ifndef MOSQUITTO
#define MOSQUITTO "/usr/sbin/mosquitto"
#endif
#define START_SECONDS 10.0  // Longest mosquitto may take to bind its port
#define MAX_EVENTS 64
#define EXAMPLE "examples/mqtt_client/mqtt_client"

static pid_t s_pid;  // mosquitto
static int s_port;   // Its MQTT port
static int s_state;  // 1 running, 0 missing, -1 did not start
static char s_conf[64];

// One MQTT event as a handler saw it.
struct rec {
  int ev, qos;
  uint16_t id;
  uint8_t flags, code;
  char topic[64], payload[64];
};

// One of our clients.
struct client {
  const char *id;
  struct mg_send_mqtt_handshake_opts opts;
  struct mg_mqtt_client_session *session;
  const char *sub;  // Subscribed to after CONNACK (QoS 2), if not NULL
  struct mg_connection *nc;
  int connacks, subacks, closed, pingresps;
  int drop_on_pubrec;  // Close at once on PUBREC (its PUBREL is lost)
  struct rec r[MAX_EVENTS];
  int n;
};

static struct mg_mgr s_mgr;

// ---- mosquitto
// -----------------------------------------------------------------

static pid_t spawn_mosquitto(void) {
  const char *argv[4];
  pid_t pid;
  FILE *fp;
  int fd;
  snprintf(s_conf, sizeof(s_conf), "/tmp/mg_mqtt_interop_XXXXXX");
  if ((fd = mkstemp(s_conf)) < 0 || (fp = fdopen(fd, "w")) == NULL) return -1;
  fprintf(fp, "listener %d 127.0.0.1\nallow_anonymous true\n", s_port);
  fprintf(fp, "persistence false\n");
  fclose(fp);
  argv[0] = MOSQUITTO, argv[1] = "-c", argv[2] = s_conf, argv[3] = NULL;
  fflush(NULL);
  if ((pid = fork()) == 0) {
    int in = open("/dev/null", O_RDWR);
    if (in < 0) _exit(126);
    dup2(in, 0), dup2(in, 1), dup2(in, 2);
    for (fd = 3; fd < 1024; fd++) close(fd);
    execv(argv[0], (char *const *) argv);
    _exit(127);
  }
  return pid;
}

// Waits until mosquitto has bound its port (or died). 1: running.
static int wait_mosquitto(void) {
  struct timespec ts = {0, 10000000};
  double deadline = mg_time() + START_SECONDS;
  int st;
  while (!loopback_port_taken(SOCK_STREAM, s_port)) {
    if (waitpid(s_pid, &st, WNOHANG) == s_pid || mg_time() > deadline) {
      kill(s_pid, SIGKILL);  // Never leave it running unbound
      waitpid(s_pid, &st, 0);
      s_pid = 0;
      return 0;
    }
    nanosleep(&ts, NULL);
  }
  return 1;
}

static int start_mosquitto(void) {
  int attempt;
  if (access(MOSQUITTO, X_OK) != 0) return 0;
  // A port can be taken between the check and mosquitto's bind: retry.
  for (attempt = 0; attempt < 5; attempt++) {
    if ((s_port = free_loopback_port(SOCK_STREAM)) == 0) return -1;
    if ((s_pid = spawn_mosquitto()) > 0 && wait_mosquitto()) return 1;
    unlink(s_conf);
  }
  print_message("mosquitto did not start on port %d\n", s_port);
  return -1;
}

static int group_setup(void **state) {
  (void) state;
  s_state = start_mosquitto();
  mg_mgr_init(&s_mgr, NULL);
  return 0;
}

// Ends mosquitto by its PID: SIGTERM, SIGKILL after 5 s.
static int group_teardown(void **state) {
  struct timespec ts = {0, 10000000};
  double deadline = mg_time() + 5;
  int st;
  (void) state;
  mg_mgr_free(&s_mgr);
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
    unlink(s_conf);
  }
  return 0;
}

static void need_mosquitto(void) {
  if (s_state == 0) {
    print_message(
        "SKIP: %s is missing; install it with: apt-get install -y "
        "mosquitto\n",
        MOSQUITTO);
    skip();
  }
  if (s_state < 0) fail_msg("mosquitto did not start (see above)");
}

// ---- Our clients
// -----------------------------------------------------------------

static void record(struct client *c, int ev, struct mg_mqtt_message *m) {
  struct rec *r;
  if (c->n >= MAX_EVENTS) return;
  r = &c->r[c->n++];
  memset(r, 0, sizeof(*r));
  r->ev = ev, r->qos = m->qos, r->id = m->message_id;
  r->flags = m->flags, r->code = m->connack_ret_code;
  snprintf(r->topic, sizeof(r->topic), "%.*s", (int) m->topic.len, m->topic.p);
  snprintf(r->payload, sizeof(r->payload), "%.*s", (int) m->payload.len,
           m->payload.p);
}

static void on_mqtt(struct mg_connection *nc, struct client *c, int ev,
                    struct mg_mqtt_message *m) {
  record(c, ev, m);
  if (ev == MG_EV_MQTT_CONNACK) {
    c->connacks++;
    if (c->sub != NULL && m->connack_ret_code == 0) {
      struct mg_mqtt_topic_expression t;
      t.topic = c->sub;
      t.qos = 2;
      mg_mqtt_subscribe(nc, &t, 1, 1);
    }
  } else if (ev == MG_EV_MQTT_SUBACK) {
    c->subacks++;
  } else if (ev == MG_EV_MQTT_PINGRESP) {
    c->pingresps++;
  } else if (ev == MG_EV_MQTT_PUBREC && c->drop_on_pubrec) {
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;  // Our PUBREL never leaves
  }
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct client *c = (struct client *) nc->user_data;
  if (c == NULL) return;
  if (ev == MG_EV_CONNECT) {
    if (*(int *) ev_data != 0) return;
    mg_set_protocol_mqtt(nc);
    if (c->session != NULL) mg_mqtt_set_session(nc, c->session);
    mg_send_mqtt_handshake_opt(nc, c->id, c->opts);
  } else if (ev == MG_EV_CLOSE) {
    c->closed++;
    if (c->nc == nc) c->nc = NULL;
  } else if (ev >= MG_MQTT_EVENT_BASE) {
    on_mqtt(nc, c, ev, (struct mg_mqtt_message *) ev_data);
  }
}

static int client_ready(void *arg) {
  struct client *c = (struct client *) arg;
  return c->connacks > 0 && (c->sub == NULL || c->subacks > 0);
}

// Connects c to mosquitto and waits for CONNACK (and SUBACK).
static void client_start(struct client *c) {
  struct mg_connect_opts opts;
  char addr[64];
  int connacks = c->connacks, subacks = c->subacks;
  memset(&opts, 0, sizeof(opts));
  opts.user_data = c;
  snprintf(addr, sizeof(addr), "127.0.0.1:%d", s_port);
  c->connacks = c->subacks = 0;
  c->nc = mg_connect_opt(&s_mgr, addr, ev_handler, opts);
  assert_non_null(c->nc);
  assert_true(poll_until(&s_mgr, client_ready, c, 5));
  c->connacks += connacks, c->subacks += subacks;
}

// Closes c and waits for its MG_EV_CLOSE.
static void client_stop(struct client *c) {
  int closed = c->closed;
  double deadline = mg_time() + 5;
  if (c->nc != NULL) c->nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  while (c->closed == closed && c->nc != NULL && mg_time() < deadline) {
    mg_mgr_poll(&s_mgr, 5);
  }
  assert_null(c->nc);
}

// The number of events ev of c whose payload is payload.
static int count(struct client *c, int ev, const char *payload) {
  int i, n = 0;
  for (i = 0; i < c->n; i++) {
    n += c->r[i].ev == ev &&
         (payload == NULL || strcmp(c->r[i].payload, payload) == 0);
  }
  return n;
}

static const struct rec *find(struct client *c, int ev, const char *payload) {
  int i;
  for (i = 0; i < c->n; i++) {
    if (c->r[i].ev == ev && strcmp(c->r[i].payload, payload) == 0) {
      return &c->r[i];
    }
  }
  return NULL;
}

// Polls until c has got ev with payload, or seconds pass.
static const struct rec *wait_for(struct client *c, int ev, const char *payload,
                                  double seconds) {
  double deadline = mg_time() + seconds;
  while (find(c, ev, payload) == NULL && mg_time() < deadline) {
    mg_mgr_poll(&s_mgr, 5);
  }
  return find(c, ev, payload);
}

static int wait_closed(struct client *c, int n, double seconds) {
  double deadline = mg_time() + seconds;
  while (c->closed < n && mg_time() < deadline) mg_mgr_poll(&s_mgr, 5);
  return c->closed >= n;
}

static void poll_for(double seconds) {
  double deadline = mg_time() + seconds;
  while (mg_time() < deadline) mg_mgr_poll(&s_mgr, 5);
}

// ---- Tests
// -----------------------------------------------------------------------

static void test_mosquitto_qos0_1_2_round_trips(void **state) {
  struct client c;
  const struct rec *r;
  (void) state;
  need_mosquitto();
  memset(&c, 0, sizeof(c));
  c.id = "mg-rt";
  c.opts.flags = MG_MQTT_CLEAN_SESSION;
  c.sub = "mg/rt/#";
  client_start(&c);
  mg_mqtt_publish(c.nc, "mg/rt/0", 0, MG_MQTT_QOS(0), "zero", 4);
  mg_mqtt_publish(c.nc, "mg/rt/1", 11, MG_MQTT_QOS(1), "one", 3);
  mg_mqtt_publish(c.nc, "mg/rt/2", 12, MG_MQTT_QOS(2), "two", 3);
  assert_non_null(r = wait_for(&c, MG_EV_MQTT_PUBLISH, "zero", 5));
  assert_string_equal(r->topic, "mg/rt/0");
  assert_int_equal(r->qos, 0);
  assert_non_null(r = wait_for(&c, MG_EV_MQTT_PUBLISH, "one", 5));
  assert_int_equal(r->qos, 1);
  assert_non_null(r = wait_for(&c, MG_EV_MQTT_PUBLISH, "two", 5));
  assert_int_equal(r->qos, 2);
  // mosquitto's PUBREL for "two" got our PUBCOMP, ours got its PUBCOMP.
  assert_non_null(wait_for(&c, MG_EV_MQTT_PUBREL, "", 5));
  assert_non_null(wait_for(&c, MG_EV_MQTT_PUBCOMP, "", 5));
  poll_for(0.3);  // Nothing arrives twice
  assert_int_equal(count(&c, MG_EV_MQTT_PUBLISH, NULL), 3);
  assert_int_equal(count(&c, MG_EV_MQTT_PUBACK, NULL), 1);
  assert_int_equal(count(&c, MG_EV_MQTT_PUBREC, NULL), 1);
  assert_int_equal(count(&c, MG_EV_MQTT_PUBCOMP, NULL), 1);
  mg_mqtt_disconnect(c.nc);
  assert_true(wait_closed(&c, 1, 5));
}

static void test_mosquitto_retained_message_reaches_later_subscriber(
    void **state) {
  struct client pub, sub;
  const struct rec *r;
  (void) state;
  need_mosquitto();
  memset(&pub, 0, sizeof(pub));
  memset(&sub, 0, sizeof(sub));
  pub.id = "mg-ret-pub", pub.opts.flags = MG_MQTT_CLEAN_SESSION;
  sub.id = "mg-ret-sub", sub.opts.flags = MG_MQTT_CLEAN_SESSION;
  sub.sub = "mg/ret";
  client_start(&pub);
  mg_mqtt_publish(pub.nc, "mg/ret", 1, MG_MQTT_QOS(1) | MG_MQTT_RETAIN, "keep",
                  4);
  assert_true(wait_for(&pub, MG_EV_MQTT_PUBACK, "", 5) != NULL);
  client_start(&sub);  // Subscribes after the publish
  assert_non_null(r = wait_for(&sub, MG_EV_MQTT_PUBLISH, "keep", 5));
  assert_true(r->flags & MG_MQTT_RETAIN);
  assert_int_equal(r->qos, 1);
  // An empty retained payload deletes it.
  mg_mqtt_publish(pub.nc, "mg/ret", 0, MG_MQTT_RETAIN, NULL, 0);
  assert_non_null(wait_for(&sub, MG_EV_MQTT_PUBLISH, "", 5));
  client_stop(&pub);
  client_stop(&sub);
}

static void test_mosquitto_will_published_on_abrupt_close(void **state) {
  struct client w, sub;
  const struct rec *r;
  (void) state;
  need_mosquitto();
  memset(&w, 0, sizeof(w));
  memset(&sub, 0, sizeof(sub));
  sub.id = "mg-will-sub", sub.opts.flags = MG_MQTT_CLEAN_SESSION;
  sub.sub = "mg/will";
  w.id = "mg-will";
  w.opts.flags = MG_MQTT_CLEAN_SESSION;
  MG_MQTT_SET_WILL_QOS(w.opts.flags, 1);
  w.opts.will_topic = "mg/will";
  w.opts.will_message = "gone";
  client_start(&sub);
  client_start(&w);
  poll_for(0.2);
  assert_int_equal(count(&sub, MG_EV_MQTT_PUBLISH, NULL), 0);
  client_stop(&w);  // The socket closes without DISCONNECT
  assert_non_null(r = wait_for(&sub, MG_EV_MQTT_PUBLISH, "gone", 5));
  assert_string_equal(r->topic, "mg/will");
  assert_int_equal(r->qos, 1);
  client_stop(&sub);
}

// A clean DISCONNECT discards the will.
static void test_mosquitto_no_will_after_disconnect(void **state) {
  struct client w, sub;
  (void) state;
  need_mosquitto();
  memset(&w, 0, sizeof(w));
  memset(&sub, 0, sizeof(sub));
  sub.id = "mg-nowill-sub", sub.opts.flags = MG_MQTT_CLEAN_SESSION;
  sub.sub = "mg/nowill";
  w.id = "mg-nowill";
  w.opts.flags = MG_MQTT_CLEAN_SESSION;
  w.opts.will_topic = "mg/nowill";
  w.opts.will_message = "gone";
  client_start(&sub);
  client_start(&w);
  mg_mqtt_disconnect(w.nc);
  assert_true(wait_closed(&w, 1, 5));
  poll_for(0.5);
  assert_int_equal(count(&sub, MG_EV_MQTT_PUBLISH, NULL), 0);
  client_stop(&sub);
}

static void test_mosquitto_session_resend_delivers_once(void **state) {
  struct client p, sub;
  struct mg_mqtt_client_session s;
  (void) state;
  need_mosquitto();
  mg_mqtt_client_session_init(&s);
  memset(&p, 0, sizeof(p));
  memset(&sub, 0, sizeof(sub));
  sub.id = "mg-sess-sub", sub.opts.flags = MG_MQTT_CLEAN_SESSION;
  sub.sub = "mg/sess/#";
  p.id = "mg-sess", p.session = &s;  // Clean session 0
  client_start(&sub);
  client_start(&p);
  // QoS 1, and the connection drops before a byte of it leaves.
  mg_mqtt_publish(p.nc, "mg/sess/1", 21, MG_MQTT_QOS(1), "q1", 2);
  mbuf_clear(&p.nc->send_mbuf);
  client_stop(&p);
  assert_true(s.pending.len > 0);
  // QoS 2 that mosquitto got: we close on its PUBREC, so our PUBREL is
  // lost with the connection (or, if it left, the resent one is a
  // duplicate mosquitto answers with PUBCOMP: once either way).
  client_start(&p);  // Resends q1 (DUP) on CONNACK
  p.drop_on_pubrec = 1;
  mg_mqtt_publish(p.nc, "mg/sess/2", 22, MG_MQTT_QOS(2), "q2", 2);
  assert_true(wait_closed(&p, 2, 5));
  assert_non_null(find(&p, MG_EV_MQTT_PUBREC, ""));
  assert_true(s.pending.len > 0);  // The PUBREL, kept
  p.drop_on_pubrec = 0;
  client_start(&p);  // Resends the PUBREL
  assert_non_null(wait_for(&p, MG_EV_MQTT_PUBCOMP, "", 5));
  assert_non_null(wait_for(&sub, MG_EV_MQTT_PUBLISH, "q1", 5));
  assert_non_null(wait_for(&sub, MG_EV_MQTT_PUBLISH, "q2", 5));
  poll_for(0.5);
  assert_int_equal(count(&sub, MG_EV_MQTT_PUBLISH, "q1"), 1);
  assert_int_equal(count(&sub, MG_EV_MQTT_PUBLISH, "q2"), 1);
  assert_int_equal(s.pending.len, 0);
  assert_int_equal(count(&p, MG_EV_MQTT_PUBACK, NULL), 1);
  client_stop(&p);
  client_stop(&sub);
  mg_mqtt_client_session_free(&s);
}

static void test_mosquitto_keep_alive_pings_are_answered(void **state) {
  struct client c;
  (void) state;
  need_mosquitto();
  memset(&c, 0, sizeof(c));
  c.id = "mg-ka";
  c.opts.flags = MG_MQTT_CLEAN_SESSION;
  c.opts.keep_alive = 1;
  client_start(&c);
  poll_for(3.2);
  assert_true(c.pingresps >= 2);
  assert_int_equal(c.closed, 0);
  assert_non_null(c.nc);
  client_stop(&c);
}

// Ends a child by its PID: SIGTERM, SIGKILL after 5 s. Returns its exit
// status, -1 if it did not exit by itself.
static int end_child(pid_t pid) {
  double deadline = mg_time() + 5;
  int st = 0;
  kill(pid, SIGTERM);
  while (waitpid(pid, &st, WNOHANG) == 0) {
    if (mg_time() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      return -1;
    }
    mg_mgr_poll(&s_mgr, 5);
  }
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static pid_t spawn_example(int out_fd, const char *topic) {
  char addr[64];
  const char *argv[6];
  pid_t pid;
  snprintf(addr, sizeof(addr), "127.0.0.1:%d", s_port);
  argv[0] = EXAMPLE, argv[1] = "-s", argv[2] = addr, argv[3] = "-t";
  argv[4] = topic, argv[5] = NULL;
  fflush(NULL);
  if ((pid = fork()) == 0) {
    int fd;
    dup2(out_fd, 1);
    dup2(out_fd, 2);
    for (fd = 3; fd < 1024; fd++) close(fd);  // Not our sockets
    execv(argv[0], (char *const *) argv);
    _exit(127);
  }
  return pid;
}

// The 6.x example: subscribes to -t, prints each message, forwards it to
// /test.
static void test_mosquitto_example_prints_and_forwards(void **state) {
  char path[] = "/tmp/mg_mqtt_example_XXXXXX", out[4096];
  struct client c;
  double deadline;
  pid_t pid;
  int fd, n;
  (void) state;
  need_mosquitto();
  if (access(EXAMPLE, X_OK) != 0) {
    fail_msg("%s is missing: make examples/mqtt_client/mqtt_client", EXAMPLE);
  }
  memset(&c, 0, sizeof(c));
  c.id = "mg-example-peer";
  c.opts.flags = MG_MQTT_CLEAN_SESSION;
  c.sub = "/test";
  client_start(&c);
  assert_true((fd = mkstemp(path)) >= 0);
  assert_true((pid = spawn_example(fd, "mg/ex/in")) > 0);
  // Until the example has subscribed, what we publish goes nowhere: again
  // every 200 ms.
  deadline = mg_time() + 10;
  while (find(&c, MG_EV_MQTT_PUBLISH, "hello example") == NULL &&
         mg_time() < deadline) {
    mg_mqtt_publish(c.nc, "mg/ex/in", 0, 0, "hello example", 13);
    wait_for(&c, MG_EV_MQTT_PUBLISH, "hello example", 0.2);
  }
  assert_non_null(find(&c, MG_EV_MQTT_PUBLISH, "hello example"));
  assert_string_equal(find(&c, MG_EV_MQTT_PUBLISH, "hello example")->topic,
                      "/test");
  assert_int_equal(end_child(pid), 0);  // SIGTERM: a clean exit
  n = (int) pread(fd, out, sizeof(out) - 1, 0);
  out[n > 0 ? n : 0] = '\0';
  close(fd);
  unlink(path);
  assert_non_null(strstr(out, "Subscribing to 'mg/ex/in'"));
  assert_non_null(strstr(out, "Got incoming message mg/ex/in: hello example"));
  assert_non_null(strstr(out, "Forwarding to /test"));
  client_stop(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mosquitto_qos0_1_2_round_trips),
      cmocka_unit_test(
          test_mosquitto_retained_message_reaches_later_subscriber),
      cmocka_unit_test(test_mosquitto_will_published_on_abrupt_close),
      cmocka_unit_test(test_mosquitto_no_will_after_disconnect),
      cmocka_unit_test(test_mosquitto_session_resend_delivers_once),
      cmocka_unit_test(test_mosquitto_keep_alive_pings_are_answered),
      cmocka_unit_test(test_mosquitto_example_prints_and_forwards),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
