// Allocation failure injection: every allocation the library makes goes
// through MG_MALLOC/MG_CALLOC/MG_REALLOC/MG_FREE, here a counting allocator
// that fails the N-th call. Each scenario first runs with no failure to
// count the allocations of its first phase (setup and client A), then once
// per N over all of them. With the N-th allocation failed, client A gets
// either its complete, correct answer or a close (never a hang, never
// wrong bytes); a failed setup call says so (NULL); then, with allocation
// working again, client B on the same manager must get its complete answer
// (the manager keeps serving). After mg_mgr_free() every allocation made
// through the allocator has been freed (counted here, and LSan/valgrind
// agree). This file builds mongoose.c itself, with the allocator compiled in.
#include <stddef.h>
static void *tf_malloc(size_t n);
static void *tf_calloc(size_t n, size_t size);
static void *tf_realloc(void *p, size_t n);
static void tf_free(void *p);
#define MG_MALLOC tf_malloc
#define MG_CALLOC tf_calloc
#define MG_REALLOC tf_realloc
#define MG_FREE tf_free
#include "../../mongoose.c"
#include "net_util.h"

#include <stdlib.h>
#include <sys/stat.h>

static long s_calls;    // Allocation calls so far (malloc, calloc, realloc)
static long s_fail_at;  // The call to fail (1-based), 0: none
static int s_failed;    // The injected failure happened
static long s_live;     // Blocks allocated and not yet freed

#if defined(__SANITIZE_ADDRESS__)
void __sanitizer_print_stack_trace(void);
#define TF_TRACE() \
  if (getenv("AF_TRACE") != NULL) __sanitizer_print_stack_trace()
#else
#define TF_TRACE()
#endif

static int tf_fail(void) {
  s_calls++;
  if (s_fail_at > 0 && s_calls == s_fail_at) {
    TF_TRACE();  // AF_TRACE=1: where the failed allocation was made
    s_failed = 1;
    errno = ENOMEM;  // As malloc() does
    return 1;
  }
  return 0;
}

static void *tf_malloc(size_t n) {
  void *p = tf_fail() ? NULL : malloc(n);
  if (p != NULL) s_live++;
  return p;
}

static void *tf_calloc(size_t n, size_t size) {
  void *p = tf_fail() ? NULL : calloc(n, size);
  if (p != NULL) s_live++;
  return p;
}

static void *tf_realloc(void *p, size_t n) {
  void *q;
  if (tf_fail()) return NULL;  // p stays valid, as with a real failure
  q = realloc(p, n);
  if (p == NULL && q != NULL) s_live++;
  return q;
}

static void tf_free(void *p) {
  if (p != NULL) s_live--;
  free(p);
}

// Starts counting; fail_at 0 injects nothing.
static void tf_arm(long fail_at) {
  s_calls = 0;
  s_failed = 0;
  s_fail_at = fail_at;
  s_live = 0;
}

// ---- The server side of the scenarios --------------------------------------

static char s_root[64];
static char s_file[3000];
static struct mg_serve_http_opts s_opts;
static size_t s_part_bytes;
static int s_tick;  // Accepted connections get "tick;" from a timer

static void af_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  struct websocket_message *wm = (struct websocket_message *) ev_data;
  struct mg_http_multipart_part *mp = (struct mg_http_multipart_part *) ev_data;
  switch (ev) {
    case MG_EV_ACCEPT:
      // Only the broadcast scenario's raw client wants the tick: in an HTTP
      // stream it would be garbage.
      if (s_tick) mg_set_timer(nc, mg_time() + 0.02);
      break;
    case MG_EV_TIMER:
      mg_printf(nc, "%s", "tick;");
      break;
    case MG_EV_HTTP_REQUEST:
      if (mg_vcmp(&hm->uri, "/chunk") == 0) {
        mg_send_head(nc, 200, -1, "Content-Type: text/plain");
        mg_printf_http_chunk(nc, "%s", "one");
        mg_printf_http_chunk(nc, "%s", "two");
        mg_printf_http_chunk(nc, "%s", "three");
        mg_send_http_chunk(nc, "", 0);
      } else if (mg_vcmp(&hm->uri, "/hello") == 0) {
        mg_send_head(nc, 200, 5, "Content-Type: text/plain");
        mg_printf(nc, "%s", "hello");
      } else {
        mg_serve_http(nc, hm, s_opts);
      }
      break;
    case MG_EV_HTTP_MULTIPART_REQUEST:
      s_part_bytes = 0;
      break;
    case MG_EV_HTTP_PART_DATA:
      s_part_bytes += mp->data.len;
      break;
    case MG_EV_HTTP_MULTIPART_REQUEST_END:
      if (mp->status < 0) break;  // Aborted (the connection is closing)
      mg_printf(nc,
                "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n"
                "Connection: close\r\n\r\ngot %06lu",
                (unsigned long) s_part_bytes);
      nc->flags |= MG_F_SEND_AND_CLOSE;
      break;
    case MG_EV_WEBSOCKET_FRAME:
      mg_send_websocket_frame(nc, WEBSOCKET_OP_TEXT, wm->data, wm->size);
      break;
    default:
      break;
  }
}

static void make_root(void) {
  char path[96];
  size_t i;
  FILE *fp;
  if (s_root[0] != '\0') return;
  snprintf(s_root, sizeof(s_root), "/tmp/mg_allocXXXXXX");
  assert_non_null(mkdtemp(s_root));
  for (i = 0; i < sizeof(s_file); i++) s_file[i] = (char) ('a' + i % 26);
  snprintf(path, sizeof(path), "%s/f.txt", s_root);
  assert_non_null(fp = fopen(path, "wb"));
  assert_int_equal(fwrite(s_file, 1, sizeof(s_file), fp), sizeof(s_file));
  fclose(fp);
  snprintf(path, sizeof(path), "%s/s.shtml", s_root);
  assert_non_null(fp = fopen(path, "wb"));
  fputs("[<!--#include virtual=\"/f.txt\" -->]", fp);
  fclose(fp);
  memset(&s_opts, 0, sizeof(s_opts));
  s_opts.document_root = s_root;
}

static int remove_root(void **state) {
  char path[96];
  (void) state;
  if (s_root[0] == '\0') return 0;
  snprintf(path, sizeof(path), "%s/f.txt", s_root);
  unlink(path);
  snprintf(path, sizeof(path), "%s/s.shtml", s_root);
  unlink(path);
  rmdir(s_root);
  s_root[0] = '\0';
  return 0;
}

// ---- Scenario driver -------------------------------------------------------

// What a scenario's client did: 1 complete and correct, 0 closed early,
// -1 neither (a hang, or wrong bytes: the test fails).
typedef int (*client_fn)(struct mg_mgr *mgr, int port);

struct scenario {
  const char *name;
  client_fn client;
};

static int s_phase_calls;  // Allocation calls of the clean run's phase A
static FILE *s_log;        // The library's log during phase A

// Starts a fresh log file for the library.
static void log_start(void) {
  if (s_log != NULL) fclose(s_log);
  assert_non_null(s_log = tmpfile());
  mg_log_set_file(s_log);
}

// True if the library logged something since log_start().
static int log_said_something(void) {
  fflush(s_log);
  return ftell(s_log) > 0;
}

// A refusal must leave a line in the log saying why.
static void check_logged(const struct scenario *sc, long fail_at) {
  if (log_said_something()) return;
  print_error("%s: allocation %ld refused without a log line\n", sc->name,
              fail_at);
  fail();
}

// One run: setup and client A with the fail_at-th allocation failed, then
// client B with none. Returns the allocation calls phase A made.
static long run_once(const struct scenario *sc, long fail_at) {
  struct mg_mgr mgr;
  struct mg_connection *lc;
  const char *err = NULL;
  struct mg_bind_opts bo;
  long calls;
  int a, b;
  tf_arm(fail_at);
  log_start();
  mg_mgr_init(&mgr, NULL);
  memset(&bo, 0, sizeof(bo));
  bo.error_string = &err;
  lc = mg_bind_opt(&mgr, "127.0.0.1:0", af_handler, bo);
  if (lc == NULL) {
    // Only an injected failure may stop the setup, and it says why.
    assert_true(s_failed);
    assert_non_null(err);
    check_logged(sc, fail_at);
    mg_mgr_free(&mgr);
    assert_int_equal(s_live, 0);
    return s_calls;
  }
  mg_set_protocol_http_websocket(lc);
  a = sc->client(&mgr, conn_port(lc));
  calls = s_calls;
  if (a < 0 || (a == 0 && !s_failed)) {
    print_error("%s: client A %s with allocation %ld of %ld failed (%s)\n",
                sc->name, a < 0 ? "hung or got wrong bytes" : "was cut",
                fail_at, (long) s_phase_calls,
                s_failed ? "injected" : "not reached");
    fail();
  }
  if (a == 0) check_logged(sc, fail_at);
  s_fail_at = 0;
  b = sc->client(&mgr, conn_port(lc));
  if (b != 1) {
    print_error("%s: client B failed after allocation %ld was refused\n",
                sc->name, fail_at);
    fail();
  }
  mg_mgr_free(&mgr);
  if (s_live != 0) {
    print_error("%s: %ld blocks leaked with allocation %ld failed\n", sc->name,
                s_live, fail_at);
    fail();
  }
  return calls;
}

static void run_scenario(const struct scenario *sc) {
  long n, total;
  make_root();
  total = run_once(sc, 0);
  assert_true(total > 0);
  s_phase_calls = (int) total;
  for (n = 1; n <= total; n++) run_once(sc, n);
  print_message("%s: %ld allocations, each failed once\n", sc->name, total);
}

// ---- Raw HTTP clients ------------------------------------------------------

// Sends s while polling mgr; stops early if the server closed or reset.
static void af_send(struct mg_mgr *mgr, int fd, const char *s, size_t n) {
  double deadline = mg_time() + 5;
  while (n > 0 && mg_time() < deadline) {
    ssize_t k = send(fd, s, n, MSG_NOSIGNAL);
    if (k > 0) {
      s += k;
      n -= (size_t) k;
    } else if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      return;  // EPIPE, ECONNRESET: the reply (or the close) tells
    } else {
      mg_mgr_poll(mgr, 1);
    }
  }
}

// Reads from fd while polling mgr until one HTTP response is complete, the
// peer closes or resets (*closed = 1), or 5 seconds pass. Returns the bytes
// read. (A close with unread bytes in our send direction comes as a reset,
// which raw_recv() does not count as a close.)
static size_t af_recv(struct mg_mgr *mgr, int fd, char *buf, size_t cap,
                      int *closed) {
  double deadline = mg_time() + 5;
  size_t n = 0;
  *closed = 0;
  while (mg_time() < deadline && n + 1 < cap) {
    ssize_t k;
    mg_mgr_poll(mgr, 1);
    k = recv(fd, buf + n, cap - 1 - n, 0);
    if (k == 0 || (k < 0 && errno == ECONNRESET)) {
      *closed = 1;
      break;
    }
    if (k > 0) n += (size_t) k;
    buf[n] = '\0';
    if (http_response_len(buf, n) > 0) break;
  }
  buf[n] = '\0';
  return n;
}

// Sends req, reads one response. 1: complete and check(resp) true; 0: the
// server closed first or answered 500/503; -1: a timeout or a complete
// response that check refused.
static int raw_exchange(struct mg_mgr *mgr, int port, const char *req,
                        int (*check)(const char *resp, size_t n)) {
  static char buf[16384];
  int fd = raw_connect(port), closed = 0, r;
  size_t n, len;
  af_send(mgr, fd, req, strlen(req));
  n = af_recv(mgr, fd, buf, sizeof(buf), &closed);
  len = http_response_len(buf, n);
  if (len > 0 && (strncmp(buf, "HTTP/1.1 500 ", 13) == 0 ||
                  strncmp(buf, "HTTP/1.1 503 ", 13) == 0)) {
    r = 0;  // Refused with a clear answer
  } else if (len > 0) {
    r = check(buf, len) ? 1 : -1;
  } else {
    r = closed ? 0 : -1;
  }
  if (r < 0)
    print_error("got %d bytes%s: %.200s\n", (int) n, closed ? ", closed" : "",
                buf);
  close(fd);
  return r;
}

static int check_file(const char *resp, size_t n) {
  const char *body = strstr(resp, "\r\n\r\n");
  return strncmp(resp, "HTTP/1.1 200", 12) == 0 && body != NULL &&
         (size_t) (resp + n - (body + 4)) == sizeof(s_file) &&
         memcmp(body + 4, s_file, sizeof(s_file)) == 0;
}

static int client_static(struct mg_mgr *mgr, int port) {
  return raw_exchange(mgr, port, "GET /f.txt HTTP/1.1\r\nHost: a\r\n\r\n",
                      check_file);
}

static int check_chunked(const char *resp, size_t n) {
  const char *body = strstr(resp, "\r\n\r\n");
  static const char want[] = "3\r\none\r\n3\r\ntwo\r\n5\r\nthree\r\n0\r\n\r\n";
  return strncmp(resp, "HTTP/1.1 200", 12) == 0 && body != NULL &&
         (size_t) (resp + n - (body + 4)) == sizeof(want) - 1 &&
         memcmp(body + 4, want, sizeof(want) - 1) == 0;
}

static int client_chunked(struct mg_mgr *mgr, int port) {
  return raw_exchange(mgr, port, "GET /chunk HTTP/1.1\r\nHost: a\r\n\r\n",
                      check_chunked);
}

static int check_upload(const char *resp, size_t n) {
  return n > 10 && strncmp(resp, "HTTP/1.1 200", 12) == 0 &&
         memcmp(resp + n - 10, "got 005000", 10) == 0;
}

static int client_upload(struct mg_mgr *mgr, int port) {
  static char req[8192];
  char part[5000];
  int hl, bl;
  static const char b1[] =
      "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; "
      "filename=\"a.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n";
  static const char b2[] = "\r\n--XyZ--\r\n";
  memset(part, 'u', sizeof(part));
  bl = (int) (sizeof(b1) - 1 + sizeof(part) + sizeof(b2) - 1);
  hl = snprintf(req, sizeof(req),
                "POST /up HTTP/1.1\r\nHost: a\r\nContent-Type: "
                "multipart/form-data; boundary=XyZ\r\nContent-Length: "
                "%d\r\n\r\n%s",
                bl, b1);
  memcpy(req + hl, part, sizeof(part));
  memcpy(req + hl + sizeof(part), b2, sizeof(b2));
  return raw_exchange(mgr, port, req, check_upload);
}

// ---- Library clients (their allocations are counted too) -------------------

struct cl_state {
  int done;    // 1: the right answer came
  int closed;  // The connection closed
  int bad;     // A wrong answer came
};

static void af_ws_client(struct mg_connection *nc, int ev, void *ev_data) {
  struct cl_state *st = (struct cl_state *) nc->user_data;
  struct websocket_message *wm = (struct websocket_message *) ev_data;
  if (ev == MG_EV_WEBSOCKET_HANDSHAKE_DONE) {
    mg_send_websocket_frame(nc, WEBSOCKET_OP_TEXT, "ping me", 7);
  } else if (ev == MG_EV_WEBSOCKET_FRAME) {
    if (wm->size == 7 && memcmp(wm->data, "ping me", 7) == 0) {
      st->done = 1;
    } else {
      st->bad = 1;
    }
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  } else if (ev == MG_EV_CLOSE) {
    st->closed = 1;
  }
}

static void af_http_client(struct mg_connection *nc, int ev, void *ev_data) {
  struct cl_state *st = (struct cl_state *) nc->user_data;
  struct http_message *hm = (struct http_message *) ev_data;
  if (ev == MG_EV_HTTP_REPLY) {
    if (hm->resp_code == 200 && mg_vcmp(&hm->body, "hello") == 0) {
      st->done = 1;
    } else {
      st->bad = 1;
    }
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  } else if (ev == MG_EV_CLOSE) {
    st->closed = 1;
  }
}

static int cl_finished(void *arg) {
  struct cl_state *st = (struct cl_state *) arg;
  return st->closed;
}

// Runs a library client made by mk until it closes. 1: right answer; 0:
// closed (or not made) without one; -1: wrong answer or still open.
static int lib_client(struct mg_mgr *mgr, struct mg_connection *c,
                      struct cl_state *st) {
  if (c == NULL) return 0;  // Refused at once (it says why: error_string)
  c->user_data = st;
  if (!poll_until(mgr, cl_finished, st, 5)) return -1;
  if (st->bad) return -1;
  return st->done;
}

static int client_ws(struct mg_mgr *mgr, int port) {
  static struct cl_state st;
  char url[64];
  memset(&st, 0, sizeof(st));
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/ws", port);
  return lib_client(mgr, mg_connect_ws(mgr, af_ws_client, url, NULL, NULL),
                    &st);
}

static int client_http(struct mg_mgr *mgr, int port) {
  static struct cl_state st;
  char url[64];
  memset(&st, 0, sizeof(st));
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/hello", port);
  return lib_client(mgr, mg_connect_http(mgr, af_http_client, url, NULL, NULL),
                    &st);
}

// ---- Broadcast and timers --------------------------------------------------

static void af_bcast_cb(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev;
  if (nc->listener != NULL) mg_printf(nc, "%s;", (const char *) ev_data);
}

// mg_broadcast() waits for the poll loop: it is called from another thread.
static void *af_bcast_thread(void *arg) {
  mg_broadcast((struct mg_mgr *) arg, af_bcast_cb, (void *) "bc", 3);
  return NULL;
}

// A raw connection gets "tick;" from its timer, then "bc;" from a
// broadcast sent once the tick came.
static int client_broadcast(struct mg_mgr *mgr, int port) {
  char buf[256];
  int fd, closed = 0, r = -1, sent = 0;
  pthread_t th;
  size_t n = 0;
  double deadline = mg_time() + 5;
  s_tick = 1;
  fd = raw_connect(port);
  while (mg_time() < deadline) {
    ssize_t k;
    mg_mgr_poll(mgr, 1);
    k = recv(fd, buf + n, sizeof(buf) - 1 - n, 0);
    if (k == 0 || (k < 0 && errno == ECONNRESET)) {
      closed = 1;
      break;
    }
    if (k > 0) n += (size_t) k;
    buf[n] = '\0';
    if (!sent && n >= 5) {
      assert_int_equal(pthread_create(&th, NULL, af_bcast_thread, mgr), 0);
      sent = 1;
    }
    if (n >= 8) break;
  }
  buf[n] = '\0';
  if (sent) {
    // The thread returns once the broadcast was delivered or timed out.
    struct timespec ts = {0, 1000000};
    int joined = 0;
    while (!joined) {
      mg_mgr_poll(mgr, 1);
      joined = pthread_tryjoin_np(th, NULL) == 0;
      if (!joined) nanosleep(&ts, NULL);
    }
  }
  s_tick = 0;
  if (n == 8 && strcmp(buf, "tick;bc;") == 0) {
    r = 1;
  } else if (closed && strncmp(buf, "tick;bc;", n) == 0) {
    r = 0;
  } else if (sent && n == 5 && strcmp(buf, "tick;") == 0 && s_failed) {
    // The broadcast itself was refused: mg_broadcast() logs and drops it.
    r = 0;
  }
  close(fd);
  return r;
}

// ---- More of the HTTP server: listing, ranges, SSI --------------------------

static int check_listing(const char *resp, size_t n) {
  (void) n;
  return strncmp(resp, "HTTP/1.1 200", 12) == 0 && strstr(resp, "f.txt") &&
         strstr(resp, "s.shtml") != NULL;
}

static int client_listing(struct mg_mgr *mgr, int port) {
  return raw_exchange(mgr, port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
                      check_listing);
}

static int check_ranges(const char *resp, size_t n) {
  (void) n;
  return strncmp(resp, "HTTP/1.1 206", 12) == 0 &&
         strstr(resp, "multipart/byteranges") != NULL &&
         strstr(resp, "\r\n\r\nabcd\r\n") != NULL &&
         strstr(resp, "\r\n\r\nklm\r\n") != NULL;
}

static int client_ranges(struct mg_mgr *mgr, int port) {
  return raw_exchange(mgr, port,
                      "GET /f.txt HTTP/1.1\r\nHost: a\r\n"
                      "Range: bytes=0-3,10-12\r\n\r\n",
                      check_ranges);
}

static int check_ssi(const char *resp, size_t n) {
  const char *body = strstr(resp, "\r\n\r\n");
  (void) n;
  // The page includes the first 3000 bytes of f.txt between [ and ].
  // (Chunked: the framing is between the pieces.)
  return strncmp(resp, "HTTP/1.1 200", 12) == 0 && body != NULL &&
         strstr(body, "[abcdefghij") != NULL &&
         strstr(body, "xyzabcd") != NULL && strstr(body, "defghij]") != NULL;
}

static int client_ssi(struct mg_mgr *mgr, int port) {
  return raw_exchange(mgr, port,
                      "GET /s.shtml HTTP/1.1\r\nHost: a\r\n"
                      "Connection: close\r\n\r\n",
                      check_ssi);
}

// ---- MQTT: our client through our broker, both in the manager -----------

struct mq_state {
  struct cl_state cl;
  struct mg_connection *lc;
};

static void af_mqtt_client(struct mg_connection *nc, int ev, void *ev_data) {
  struct mq_state *st = (struct mq_state *) nc->user_data;
  struct mg_mqtt_message *mm = (struct mg_mqtt_message *) ev_data;
  struct mg_send_mqtt_handshake_opts ho;
  struct mg_mqtt_topic_expression te;
  if (st == NULL) return;
  switch (ev) {
    case MG_EV_CONNECT:
      if (*(int *) ev_data != 0) break;
      memset(&ho, 0, sizeof(ho));
      ho.flags = MG_MQTT_CLEAN_SESSION;
      mg_set_protocol_mqtt(nc);
      mg_send_mqtt_handshake_opt(nc, "af", ho);
      break;
    case MG_EV_MQTT_CONNACK:
      if (mm->connack_ret_code != 0) {
        // "Server unavailable" is the broker's answer when out of memory.
        if (mm->connack_ret_code != MG_EV_MQTT_CONNACK_SERVER_UNAVAILABLE) {
          st->cl.bad = 1;
        }
        nc->flags |= MG_F_CLOSE_IMMEDIATELY;
        break;
      }
      te.topic = "t/1";
      te.qos = 1;
      mg_mqtt_subscribe(nc, &te, 1, 7);
      break;
    case MG_EV_MQTT_SUBACK:
      // 0x80: the broker refused the filter (out of memory): said so.
      if (mm->payload.len != 1 || (uint8_t) mm->payload.p[0] != 1) {
        if (mm->payload.len != 1 || (uint8_t) mm->payload.p[0] != 0x80) {
          st->cl.bad = 1;
        }
        nc->flags |= MG_F_CLOSE_IMMEDIATELY;
        break;
      }
      mg_mqtt_publish(nc, "t/1", 9, MG_MQTT_QOS(1), "payload", 7);
      break;
    case MG_EV_MQTT_PUBLISH:
      if (mg_vcmp(&mm->topic, "t/1") == 0 &&
          mg_vcmp(&mm->payload, "payload") == 0) {
        st->cl.done = 1;
      } else {
        st->cl.bad = 1;
      }
      nc->flags |= MG_F_CLOSE_IMMEDIATELY;
      break;
    case MG_EV_CLOSE:
      st->cl.closed = 1;
      break;
    default:
      break;
  }
}

static int client_mqtt(struct mg_mgr *mgr, int port) {
  static struct mq_state st;
  static struct mg_mqtt_broker brk;
  struct mg_connect_opts co;
  struct mg_connection *c;
  char addr[32];
  int r;
  (void) port;
  memset(&st, 0, sizeof(st));
  mg_mqtt_broker_init(&brk, NULL);
  if ((st.lc = mg_bind(mgr, "127.0.0.1:0", mg_mqtt_broker)) == NULL) {
    mg_mqtt_broker_free(&brk);
    return 0;
  }
  st.lc->priv_2 = &brk;
  mg_set_protocol_mqtt(st.lc);
  memset(&co, 0, sizeof(co));
  co.user_data = &st;
  snprintf(addr, sizeof(addr), "127.0.0.1:%d", conn_port(st.lc));
  c = mg_connect_opt(mgr, addr, af_mqtt_client, co);
  r = c == NULL ? 0 : (poll_until(mgr, cl_finished, &st.cl, 5) ? 1 : -1);
  if (r == 1 && st.cl.bad) r = -1;
  if (r == 1) r = st.cl.done;
  // The broker goes before its state: its listener and sessions.
  for (c = mg_next(mgr, NULL); c != NULL; c = mg_next(mgr, c)) {
    if (c->handler == mg_mqtt_broker) c->flags |= MG_F_CLOSE_IMMEDIATELY;
    if (c->handler == af_mqtt_client) c->user_data = NULL;
  }
  mg_mgr_poll(mgr, 1);
  mg_mqtt_broker_free(&brk);
  return r;
}

// ---- DNS: our resolver asking our DNS server ---------------------------

static void af_dns_server(struct mg_connection *nc, int ev, void *ev_data) {
  struct mg_dns_message *msg = (struct mg_dns_message *) ev_data;
  struct mg_dns_reply r;
  struct in_addr a;
  if (ev != MG_DNS_MESSAGE) return;
  r = mg_dns_create_reply(&nc->send_mbuf, msg);
  a.s_addr = htonl(0x0a010203);
  if (msg->num_questions > 0) {
    mg_dns_reply_record(&r, &msg->questions[0], NULL, MG_DNS_A_RECORD, 60, &a,
                        4);
  }
  mg_dns_send_reply(nc, &r);
}

static void af_resolved(struct mg_dns_message *msg, void *data,
                        enum mg_resolve_err e) {
  struct cl_state *st = (struct cl_state *) data;
  struct mg_dns_resource_record *rr;
  struct in_addr a;
  st->closed = 1;
  if (e != MG_RESOLVE_OK) return;  // Failed: it said so
  rr = mg_dns_next_record(msg, MG_DNS_A_RECORD, NULL);
  if (rr != NULL && mg_dns_parse_record_data(msg, rr, &a, sizeof(a)) == 0 &&
      ntohl(a.s_addr) == 0x0a010203) {
    st->done = 1;
  } else {
    st->bad = 1;
  }
}

static int client_dns(struct mg_mgr *mgr, int port) {
  static struct cl_state st;
  struct mg_resolve_async_opts o;
  struct mg_connection *udp;
  char ns[64];
  int r;
  (void) port;
  memset(&st, 0, sizeof(st));
  if ((udp = mg_bind(mgr, "udp://127.0.0.1:0", af_dns_server)) == NULL) {
    return 0;
  }
  mg_set_protocol_dns(udp);
  snprintf(ns, sizeof(ns), "udp://127.0.0.1:%d", conn_port(udp));
  memset(&o, 0, sizeof(o));
  o.nameserver = ns;
  o.max_retries = 0;
  o.timeout = 2;
  if (mg_resolve_async_opt(mgr, "host.test", MG_DNS_A_RECORD, af_resolved, &st,
                           o) != 0) {
    r = 0;  // Refused at once
  } else if (!poll_until(mgr, cl_finished, &st, 5) || st.bad) {
    r = -1;
  } else {
    r = st.done;
  }
  udp->flags |= MG_F_CLOSE_IMMEDIATELY;
  mg_mgr_poll(mgr, 1);
  return r;
}

// ---- TLS: our HTTPS client against our HTTPS server -------------------------
// Only the glue's allocations go through MG_MALLOC: the TLS library has
// its own allocator, which this does not fail.

#if MG_ENABLE_SSL
#include <sys/wait.h>

static char s_cert_dir[64], s_ca[96], s_cert[96], s_key[96];

// test/tls_certs.sh DIR makes the CA and a server certificate for
// 127.0.0.1 (the test runs from the repo root). Returns 0 on success.
static int make_certs(void) {
  pid_t pid;
  int st = 0;
  snprintf(s_cert_dir, sizeof(s_cert_dir), "/tmp/mg_alloc_tlsXXXXXX");
  if (mkdtemp(s_cert_dir) == NULL) return -1;
  snprintf(s_ca, sizeof(s_ca), "%s/ca.pem", s_cert_dir);
  snprintf(s_cert, sizeof(s_cert), "%s/server.pem", s_cert_dir);
  snprintf(s_key, sizeof(s_key), "%s/server.key", s_cert_dir);
  fflush(NULL);
  if ((pid = fork()) < 0) return -1;
  if (pid == 0) {
    execl("/bin/sh", "sh", "test/tls_certs.sh", s_cert_dir, (char *) NULL);
    _exit(127);
  }
  if (waitpid(pid, &st, 0) != pid) return -1;
  return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static void remove_certs(void) {
  char cmd[128];
  if (s_cert_dir[0] == '\0') return;
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s_cert_dir);
  if (system(cmd) != 0) print_error("could not remove %s\n", s_cert_dir);
  s_cert_dir[0] = '\0';
}

static int client_tls(struct mg_mgr *mgr, int port) {
  static struct cl_state st;
  struct mg_bind_opts bo;
  struct mg_connect_opts co;
  struct mg_connection *lc, *c;
  char url[64];
  int r;
  (void) port;
  memset(&st, 0, sizeof(st));
  memset(&bo, 0, sizeof(bo));
  bo.ssl_cert = s_cert;
  bo.ssl_key = s_key;
  if ((lc = mg_bind_opt(mgr, "127.0.0.1:0", af_handler, bo)) == NULL) return 0;
  mg_set_protocol_http_websocket(lc);
  memset(&co, 0, sizeof(co));
  co.ssl_ca_cert = s_ca;
  snprintf(url, sizeof(url), "https://127.0.0.1:%d/hello", conn_port(lc));
  c = mg_connect_http_opt(mgr, af_http_client, co, url, NULL, NULL);
  r = lib_client(mgr, c, &st);
  lc->flags |= MG_F_CLOSE_IMMEDIATELY;
  mg_mgr_poll(mgr, 1);
  return r;
}
#endif

// ---- Tests -----------------------------------------------------------------

#define SCENARIO(fn, label)                        \
  static void test_##fn(void **state) {            \
    static const struct scenario sc = {label, fn}; \
    (void) state;                                  \
    run_scenario(&sc);                             \
  }

SCENARIO(client_static, "static file")
SCENARIO(client_chunked, "endpoint with chunked reply")
SCENARIO(client_upload, "multipart upload")
SCENARIO(client_ws, "WebSocket handshake and echo")
SCENARIO(client_http, "HTTP client")
SCENARIO(client_broadcast, "timer and broadcast")
SCENARIO(client_listing, "directory listing")
SCENARIO(client_ranges, "multipart/byteranges")
SCENARIO(client_ssi, "SSI include")
SCENARIO(client_mqtt, "MQTT client through the broker")
SCENARIO(client_dns, "DNS resolver and server")
#if MG_ENABLE_SSL
SCENARIO(client_tls, "HTTPS client and server")
#endif

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_client_static),
    cmocka_unit_test(test_client_chunked),
    cmocka_unit_test(test_client_upload),
    cmocka_unit_test(test_client_ws),
    cmocka_unit_test(test_client_http),
    cmocka_unit_test(test_client_broadcast),
    cmocka_unit_test(test_client_listing),
    cmocka_unit_test(test_client_ranges),
    cmocka_unit_test(test_client_ssi),
    cmocka_unit_test(test_client_mqtt),
    cmocka_unit_test(test_client_dns),
#if MG_ENABLE_SSL
    cmocka_unit_test(test_client_tls),
#endif
  };
  int r;
#if MG_ENABLE_SSL
  if (make_certs() != 0) {
    print_error("test/tls_certs.sh failed (it needs openssl)\n");
    remove_certs();
    return 1;
  }
#endif
  r = cmocka_run_group_tests(tests, NULL, remove_root);
  mg_log_set_file(stderr);
  if (s_log != NULL) fclose(s_log);
#if MG_ENABLE_SSL
  remove_certs();
#endif
  return r;
}
