// Interop tests: real WebSocket peers that we did not write against our
// server and client. Peers: node `ws@8` (test/interop/node_modules, from
// package.json), python `websockets` (Debian's python3-websockets, run by
// /usr/bin/python3) and headless chromium loading the websocket_chat page
// (driven over its DevTools WebSocket by our client). Our servers run in
// this process; each peer is forked, bounded by a deadline and ended by its
// PID. The helper scripts are ws_node_client.js and ws_py.py, next to this
// file; run from the repository root (as make does). MG_KEEP_TMP=1 keeps
// the peers' output in /tmp.
#include "net_util.h"  // First: mongoose.h sets the feature macros

#include <sys/wait.h>

// The chat example's own handler, built into this test: chromium talks to
// the very code of examples/websocket_chat.
#define main websocket_chat_main
#include "../../examples/websocket_chat/main.c"
#undef main

#define PEER_SECONDS 60.0  // Longest any peer may run
#define STEP_SECONDS 20.0  // Longest one exchange of ours may take
#define INTEROP_DIR "test/interop"
#define CHAT_ROOT "examples/websocket_chat/web_root"
#define NODE "/usr/bin/node"
#define NODE_WS INTEROP_DIR "/node_modules/ws/package.json"
#define PYTHON "/usr/bin/python3"
#define CHROMIUM "/usr/bin/chromium"
#define BIG_BINARY 70000  // Needs the 64-bit length form

static char s_dir[64];  // Scratch directory for peer output

// What a test started, ended by teardown_test() even when it failed
// half-way: the manager, and a peer running in the background.
static struct mg_mgr *s_live_mgr;
static pid_t s_live_pid;
static void *s_garbage[16];
static size_t s_num_garbage;

static void *keep(void *p) {
  assert_true(s_num_garbage < sizeof(s_garbage) / sizeof(s_garbage[0]));
  s_garbage[s_num_garbage++] = p;
  return p;
}

// Ends the process group of a peer we started (chromium forks helpers).
static void kill_peer(pid_t pid) {
  int st;
  kill(-pid, SIGKILL);
  kill(pid, SIGKILL);
  waitpid(pid, &st, 0);
}

static int teardown_test(void **state) {
  (void) state;
  if (s_live_pid > 0) kill_peer(s_live_pid);
  s_live_pid = 0;
  if (s_live_mgr != NULL) mg_mgr_free(s_live_mgr);
  s_live_mgr = NULL;
  while (s_num_garbage > 0) free(s_garbage[--s_num_garbage]);
  return 0;
}

// ---- Files ------------------------------------------------------------------

static void path_join(char *buf, size_t len, const char *dir,
                      const char *name) {
  int n = snprintf(buf, len, "%s/%s", dir, name);
  assert_true(n > 0 && (size_t) n < len);
}

// Reads a whole file into a NUL-terminated buffer that teardown_test()
// frees; NULL if the file is absent.
static char *read_file(const char *path) {
  FILE *fp = fopen(path, "rb");
  char *buf = NULL;
  size_t n = 0, cap = 0, k;
  if (fp == NULL) return NULL;
  do {
    if (cap - n < 4096) {
      cap = cap * 2 + 8192;
      buf = (char *) realloc(buf, cap + 1);
      assert_non_null(buf);
    }
    k = fread(buf + n, 1, cap - n, fp);
    n += k;
  } while (k > 0);
  fclose(fp);
  buf[n] = '\0';
  return (char *) keep(buf);
}

// Deterministic bytes of every value, so that any shift shows.
static unsigned char *make_bytes(size_t len, uint32_t seed) {
  unsigned char *p = (unsigned char *) malloc(len);
  size_t i;
  assert_non_null(p);
  for (i = 0; i < len; i++) {
    seed = seed * 1103515245u + 12345u;
    p[i] = (unsigned char) (seed >> 16);
  }
  return (unsigned char *) keep(p);
}

static int setup_files(void **state) {
  (void) state;
  snprintf(s_dir, sizeof(s_dir), "/tmp/mg_ws_interop_XXXXXX");
  return mkdtemp(s_dir) == NULL ? -1 : 0;
}

// Removes a directory tree (chromium's profile is deep), not following
// symlinks.
static void remove_tree(const char *dir, int depth) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char path[1024];
  if (d == NULL) return;
  while ((e = readdir(d)) != NULL) {
    struct stat st;
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && depth > 0) {
      remove_tree(path, depth - 1);
    } else {
      unlink(path);
    }
  }
  closedir(d);
  rmdir(dir);
}

// MG_KEEP_TMP=1 keeps the peers' output for a look after a failure.
static int teardown_files(void **state) {
  (void) state;
  if (getenv("MG_KEEP_TMP") != NULL) {
    printf("kept %s\n", s_dir);
    return 0;
  }
  remove_tree(s_dir, 32);
  return 0;
}

// ---- Peers ----------------------------------------------------------------------

struct run {
  int code;   // Exit code, or 128 + signal
  char *out;  // stdout, NUL-terminated (freed by teardown_test())
  char *err;  // stderr, NUL-terminated (freed by teardown_test())
};

static void skip_missing(const char *what, const char *how) {
  print_message("SKIP: %s is missing; install it with: %s\n", what, how);
  skip();
}

#define NEED_NODE_WS()                                                    \
  do {                                                                    \
    if (access(NODE, X_OK) != 0) {                                        \
      skip_missing(NODE " (nodejs)", "apt-get install -y nodejs npm");    \
    }                                                                     \
    if (access(NODE_WS, R_OK) != 0) {                                     \
      skip_missing("npm ws@8 (" NODE_WS ")", "npm ci --prefix " INTEROP_DIR); \
    }                                                                     \
  } while (0)

#define NEED_CHROMIUM()                                                   \
  do {                                                                    \
    if (access(CHROMIUM, X_OK) != 0) {                                    \
      skip_missing(CHROMIUM, "apt-get install -y chromium");              \
    }                                                                     \
  } while (0)

static const char *tail(const char *s, size_t n) {
  size_t len = strlen(s);
  return len > n ? s + len - n : s;
}

// Forks argv (argv[0] an absolute path) in a process group of its own,
// stdout and stderr going to name.out and name.err in s_dir. Returns the
// PID, also kept in s_live_pid for teardown_test().
static pid_t spawn_peer(const char *const argv[], const char *name) {
  char out_path[256], err_path[256], base[64];
  pid_t pid;
  snprintf(base, sizeof(base), "%s.out", name);
  path_join(out_path, sizeof(out_path), s_dir, base);
  snprintf(base, sizeof(base), "%s.err", name);
  path_join(err_path, sizeof(err_path), s_dir, base);
  fflush(NULL);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int in = open("/dev/null", O_RDONLY);
    int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fd;
    if (in < 0 || out < 0 || err < 0) _exit(126);
    setpgid(0, 0);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    for (fd = 3; fd < 1024; fd++) close(fd);  // Our sockets stay ours
    execv(argv[0], (char *const *) argv);
    _exit(127);
  }
  setpgid(pid, pid);  // Also here: no race with kill(-pid)
  s_live_pid = pid;
  return pid;
}

// Reads name.out and name.err of a finished peer into r.
static void collect(const char *name, int st, struct run *r) {
  char path[256], base[64];
  r->code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  snprintf(base, sizeof(base), "%s.out", name);
  path_join(path, sizeof(path), s_dir, base);
  r->out = read_file(path);
  snprintf(base, sizeof(base), "%s.err", name);
  path_join(path, sizeof(path), s_dir, base);
  r->err = read_file(path);
  assert_non_null(r->out);
  assert_non_null(r->err);
}

// Runs argv to its end, polling mgr (if not NULL) meanwhile, for at most
// PEER_SECONDS (then it is killed by its PID and the test fails).
static void run_peer(struct mg_mgr *mgr, const char *const argv[],
                     struct run *r) {
  struct timespec ts = {0, 5000000};
  double deadline = mg_time() + PEER_SECONDS;
  pid_t pid = spawn_peer(argv, "peer");
  int st = 0, i;
  for (;;) {
    pid_t w;
    if (mgr != NULL) {
      mg_mgr_poll(mgr, 5);
    } else {
      nanosleep(&ts, NULL);
    }
    w = waitpid(pid, &st, WNOHANG);
    if (w == pid) break;
    assert_true(w == 0);
    if (mg_time() > deadline) {
      kill_peer(pid);
      s_live_pid = 0;
      fail_msg("%s did not finish within %g s: killed", argv[0],
               PEER_SECONDS);
    }
  }
  s_live_pid = 0;
  kill(-pid, SIGKILL);  // Helpers it left behind, if any
  // Let the server see the peer's last closes.
  for (i = 0; mgr != NULL && i < 5; i++) mg_mgr_poll(mgr, 1);
  collect("peer", st, r);
  if (r->code != 0) {  // The ends of the outputs, where the errors are
    printf("%s exited %d\nstdout: %s\nstderr: %s\n", argv[0], r->code,
           tail(r->out, 3000), tail(r->err, 3000));
  }
}

// Ends a background peer: SIGTERM, then SIGKILL after 5 s.
static void stop_peer(pid_t pid, const char *name, struct run *r) {
  struct timespec ts = {0, 5000000};
  double deadline = mg_time() + 5;
  int st = 0;
  kill(pid, SIGTERM);
  while (waitpid(pid, &st, WNOHANG) == 0) {
    if (mg_time() > deadline) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      break;
    }
    nanosleep(&ts, NULL);
  }
  kill(-pid, SIGKILL);
  s_live_pid = 0;
  collect(name, st, r);
}

// Has /usr/bin/python3 the websockets module? Asked once; skips if not.
static void need_python_websockets(void) {
  static int have = -1;
  if (have < 0) {
    const char *argv[] = {PYTHON, "-c", "import websockets", NULL};
    struct run r;
    have = 0;
    if (access(PYTHON, X_OK) == 0) {
      run_peer(NULL, argv, &r);
      have = r.code == 0;
    }
  }
  if (!have) {
    skip_missing(PYTHON " with the websockets module",
                 "apt-get install -y python3-websockets");
  }
}

// ---- Our echo server ---------------------------------------------------------

// What the echo server saw.
struct echo_stats {
  int handshakes;       // Upgrades accepted
  int deflate_offered;  // Upgrade requests that offered permessage-deflate
  int messages;         // Data messages echoed
  int pings;            // Pings received (the library answers them)
  int closes;           // Close frames received
  int last_close_code;  // Code of the last one
};

struct srv {
  struct mg_mgr mgr;
  struct mg_connection *lc;
  int port;
  char url[64];  // "ws://127.0.0.1:PORT/echo"
  struct echo_stats st;
};

static struct srv s_srv;

// Echoes every message with its opcode; other HTTP requests get 404.
static void echo_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct websocket_message *wm = (struct websocket_message *) ev_data;
  struct http_message *hm = (struct http_message *) ev_data;
  struct echo_stats *st = &s_srv.st;
  struct mg_str *ext;
  switch (ev) {
    case MG_EV_HTTP_REQUEST:
      mg_http_send_error(nc, 404, NULL);
      break;
    case MG_EV_WEBSOCKET_HANDSHAKE_REQUEST:
      ext = mg_get_http_header(hm, "Sec-WebSocket-Extensions");
      if (ext != NULL && mg_strstr(*ext, mg_mk_str("permessage-deflate"))) {
        st->deflate_offered++;
      }
      break;
    case MG_EV_WEBSOCKET_HANDSHAKE_DONE:
      st->handshakes++;
      break;
    case MG_EV_WEBSOCKET_FRAME:
      st->messages++;
      mg_send_websocket_frame(nc, wm->flags & 0x0f, wm->data, wm->size);
      break;
    case MG_EV_WEBSOCKET_CONTROL_FRAME:
      if ((wm->flags & 0x0f) == WEBSOCKET_OP_PING) st->pings++;
      if ((wm->flags & 0x0f) == WEBSOCKET_OP_CLOSE) {
        st->closes++;
        st->last_close_code = wm->size >= 2 ? wm->data[0] << 8 | wm->data[1]
                                            : 0;
      }
      break;
    default:
      break;
  }
}

// Starts the echo server; teardown_test() stops it.
static struct srv *srv_start(void) {
  struct srv *s = &s_srv;
  assert_null(s_live_mgr);
  memset(s, 0, sizeof(*s));
  mg_mgr_init(&s->mgr, s);
  s_live_mgr = &s->mgr;
  s->lc = mg_bind(&s->mgr, "127.0.0.1:0", echo_handler);
  assert_non_null(s->lc);
  mg_set_protocol_http_websocket(s->lc);
  s->port = conn_port(s->lc);
  snprintf(s->url, sizeof(s->url), "ws://127.0.0.1:%d/echo", s->port);
  return s;
}

// Runs a helper script in MODE against our echo server; returns its
// stdout after checking that it exited 0.
static const char *run_script(struct srv *s, const char *interp,
                              const char *script, const char *mode) {
  struct run r;
  const char *argv[] = {interp, script, mode, s->url, NULL};
  assert_int_equal(access(script, R_OK), 0);  // Run from the repo root
  run_peer(&s->mgr, argv, &r);
  assert_int_equal(r.code, 0);
  return r.out;
}

#define NODE_SCRIPT INTEROP_DIR "/ws_node_client.js"
#define PY_SCRIPT INTEROP_DIR "/ws_py.py"

static const char s_echo_sizes_out[] =
    "text 0 ok\nbinary 0 ok\n"
    "text 125 ok\nbinary 125 ok\n"
    "text 126 ok\nbinary 126 ok\n"
    "text 65535 ok\nbinary 65535 ok\n"
    "text 65536 ok\nbinary 65536 ok\n"
    "text 1048576 ok\nbinary 1048576 ok\n"
    "close 1000\n";

// ---- node ws against our server ---------------------------------------------

static void test_node_ws_echo_text_and_binary_every_length_form(void **state) {
  struct srv *s;
  (void) state;
  NEED_NODE_WS();
  s = srv_start();
  assert_string_equal(run_script(s, NODE, NODE_SCRIPT, "echo"),
                      s_echo_sizes_out);
  assert_int_equal(s->st.handshakes, 1);
  assert_int_equal(s->st.messages, 12);
  assert_int_equal(s->st.closes, 1);
  assert_int_equal(s->st.last_close_code, 1000);
}

static void test_node_ws_fragmented_messages_reassembled(void **state) {
  struct srv *s;
  (void) state;
  NEED_NODE_WS();
  s = srv_start();
  assert_string_equal(run_script(s, NODE, NODE_SCRIPT, "fragments"),
                      "pong mid\ntext Hello, world\nbinary 0102030405\n"
                      "big ok\nclose 1000\n");
  // Three messages reached the handler, each whole; the ping between the
  // fragments was answered.
  assert_int_equal(s->st.messages, 3);
  assert_int_equal(s->st.pings, 1);
}

static void test_node_ws_ping_gets_pong_with_same_payload(void **state) {
  struct srv *s;
  (void) state;
  NEED_NODE_WS();
  s = srv_start();
  assert_string_equal(run_script(s, NODE, NODE_SCRIPT, "ping"),
                      "pong 0 same\npong 3 same\npong 125 same\n"
                      "echo after pong\nclose 1000\n");
  assert_int_equal(s->st.pings, 3);
  assert_int_equal(s->st.messages, 1);  // The unsolicited pong is no message
}

static void test_node_ws_close_code_echoed(void **state) {
  struct srv *s;
  (void) state;
  NEED_NODE_WS();
  s = srv_start();
  assert_string_equal(run_script(s, NODE, NODE_SCRIPT, "close"),
                      "close 1000 -> 1000\nclose 4001 -> 4001\n");
  assert_int_equal(s->st.closes, 2);
  assert_int_equal(s->st.last_close_code, 4001);
}

static void test_node_ws_permessage_deflate_declined(void **state) {
  struct srv *s;
  (void) state;
  NEED_NODE_WS();
  s = srv_start();
  assert_string_equal(run_script(s, NODE, NODE_SCRIPT, "deflate"),
                      "header absent\nextensions ''\necho 13000 ok\n"
                      "close 1000\n");
  assert_int_equal(s->st.deflate_offered, 1);
  assert_int_equal(s->st.messages, 1);
}

// ---- python websockets against our server -------------------------------------

static void test_python_websockets_echo_text_and_binary(void **state) {
  struct srv *s;
  (void) state;
  need_python_websockets();
  s = srv_start();
  assert_string_equal(run_script(s, PYTHON, PY_SCRIPT, "echo"),
                      s_echo_sizes_out);
  assert_int_equal(s->st.messages, 12);
  assert_int_equal(s->st.last_close_code, 1000);
}

static void test_python_websockets_ping_gets_pong(void **state) {
  struct srv *s;
  (void) state;
  need_python_websockets();
  s = srv_start();
  assert_string_equal(run_script(s, PYTHON, PY_SCRIPT, "ping"),
                      "pong 0\npong 3\npong 125\necho after pings\n"
                      "close 1000\n");
  assert_int_equal(s->st.pings, 3);
}

static void test_python_websockets_close_code_echoed(void **state) {
  struct srv *s;
  (void) state;
  need_python_websockets();
  s = srv_start();
  assert_string_equal(run_script(s, PYTHON, PY_SCRIPT, "close"),
                      "close 1000 -> 1000\nclose 4001 -> 4001\n");
  assert_int_equal(s->st.closes, 2);
}

static void test_python_websockets_compression_declined(void **state) {
  struct srv *s;
  (void) state;
  need_python_websockets();
  s = srv_start();
  assert_string_equal(run_script(s, PYTHON, PY_SCRIPT, "deflate"),
                      "offered True\nanswer absent\nextensions []\n"
                      "echo 13000 ok\nclose 1000\n");
  assert_int_equal(s->st.deflate_offered, 1);
}

// ---- Our client against a python websockets server --------------------------------

struct cli {
  int handshake;      // HANDSHAKE_DONE seen
  int resp_code;      // Its status
  int texts;          // Text messages received
  int binaries;       // Binary messages received
  int text_ok;        // The text came back equal
  int binary_ok;      // The binary came back equal
  int close_code;     // Code of the server's close frame, -1 if none
  int closed;         // MG_EV_CLOSE seen
  const unsigned char *bin;  // What we sent as binary (BIG_BINARY bytes)
  char last_text[128];       // The last text message received
};

#define CLI_TEXT "hello from mongoose \xc3\xa9\xe2\x82\xac"  // UTF-8 too

static void cli_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct cli *c = (struct cli *) nc->user_data;
  struct websocket_message *wm = (struct websocket_message *) ev_data;
  struct http_message *hm = (struct http_message *) ev_data;
  switch (ev) {
    case MG_EV_WEBSOCKET_HANDSHAKE_DONE:
      c->handshake = 1;
      c->resp_code = hm->resp_code;
      break;
    case MG_EV_WEBSOCKET_FRAME:
      if ((wm->flags & 0x0f) == WEBSOCKET_OP_TEXT) {
        c->texts++;
        c->text_ok = wm->size == strlen(CLI_TEXT) &&
                     memcmp(wm->data, CLI_TEXT, wm->size) == 0;
        snprintf(c->last_text, sizeof(c->last_text), "%.*s", (int) wm->size,
                 (const char *) wm->data);
      } else if ((wm->flags & 0x0f) == WEBSOCKET_OP_BINARY) {
        c->binaries++;
        c->binary_ok = c->bin != NULL && wm->size == BIG_BINARY &&
                       memcmp(wm->data, c->bin, wm->size) == 0;
      }
      break;
    case MG_EV_WEBSOCKET_CONTROL_FRAME:
      if ((wm->flags & 0x0f) == WEBSOCKET_OP_CLOSE) {
        c->close_code = wm->size >= 2 ? wm->data[0] << 8 | wm->data[1] : 0;
      }
      break;
    case MG_EV_CLOSE:
      c->closed = 1;
      break;
    default:
      break;
  }
}

static int cli_has_both(void *arg) {
  struct cli *c = (struct cli *) arg;
  return c->texts > 0 && c->binaries > 0;
}

static int cli_handshake_done(void *arg) {
  return ((struct cli *) arg)->handshake;
}

// Polls the file name.out of a background peer for a line starting with
// prefix; returns the number after it, or -1 after seconds.
static int wait_for_number(const char *name, const char *prefix,
                           double seconds) {
  struct timespec ts = {0, 10000000};
  double deadline = mg_time() + seconds;
  char path[256], base[64], line[128];
  size_t n = strlen(prefix);
  snprintf(base, sizeof(base), "%s.out", name);
  path_join(path, sizeof(path), s_dir, base);
  while (mg_time() < deadline) {
    FILE *fp = fopen(path, "r");
    while (fp != NULL && fgets(line, sizeof(line), fp) != NULL) {
      if (strncmp(line, prefix, n) == 0) {
        fclose(fp);
        return atoi(line + n);
      }
    }
    if (fp != NULL) fclose(fp);
    nanosleep(&ts, NULL);
  }
  return -1;
}

static void test_our_client_against_python_websockets_server(void **state) {
  static struct mg_mgr mgr;
  struct cli c;
  struct run r;
  struct mg_connection *nc;
  char url[64];
  const char *argv[] = {PYTHON, PY_SCRIPT, "server", NULL};
  pid_t pid;
  int port;
  (void) state;
  need_python_websockets();
  assert_int_equal(access(PY_SCRIPT, R_OK), 0);
  memset(&c, 0, sizeof(c));
  c.close_code = -1;
  c.bin = make_bytes(BIG_BINARY, 7);
  pid = spawn_peer(argv, "pyserver");
  port = wait_for_number("pyserver", "port ", STEP_SECONDS);
  assert_true(port > 0);

  mg_mgr_init(&mgr, NULL);
  s_live_mgr = &mgr;
  snprintf(url, sizeof(url), "ws://127.0.0.1:%d/echo", port);
  nc = mg_connect_ws(&mgr, cli_handler, url, NULL, NULL);
  assert_non_null(nc);
  nc->user_data = &c;
  assert_true(poll_until(&mgr, cli_handshake_done, &c, STEP_SECONDS));
  assert_int_equal(c.resp_code, 101);
  assert_true(nc->flags & MG_F_IS_WEBSOCKET);

  mg_send_websocket_frame(nc, WEBSOCKET_OP_TEXT, CLI_TEXT, strlen(CLI_TEXT));
  mg_send_websocket_frame(nc, WEBSOCKET_OP_BINARY, c.bin, BIG_BINARY);
  assert_true(poll_until(&mgr, cli_has_both, &c, STEP_SECONDS));
  assert_int_equal(c.texts, 1);
  assert_int_equal(c.binaries, 1);
  assert_true(c.text_ok);
  assert_true(c.binary_ok);

  // We close: the server echoes 1000, then the TCP connection ends.
  mg_send_websocket_frame(nc, WEBSOCKET_OP_CLOSE, "\x03\xe8", 2);
  assert_true(poll_flag(&mgr, &c.closed, STEP_SECONDS));
  assert_int_equal(c.close_code, 1000);
  mg_mgr_free(&mgr);
  s_live_mgr = NULL;

  // The server saw our frames as valid (it fails masked-less or malformed
  // frames with 1002) and our close code.
  assert_int_equal(wait_for_number("pyserver", "close ", STEP_SECONDS), 1000);
  stop_peer(pid, "pyserver", &r);
  snprintf(url, sizeof(url), "port %d\nclose 1000\n", port);
  assert_string_equal(r.out, url);
}

// ---- headless chromium on the chat page ---------------------------------------------

// Chromium is driven over the DevTools protocol by our own WebSocket client
// (so chromium's WebSocket server is a peer of our client too). The simpler
// --virtual-time-budget with --dump-dom does not wait for WebSocket
// traffic: the DOM can be dumped, and the browser gone, before the page's
// message went out or came back.

// The DevTools session.
struct cdp {
  int handshake;       // HANDSHAKE_DONE seen
  int resp_code;       // Its status
  int closed;          // MG_EV_CLOSE seen
  int next_id;         // Next command id
  int eval_id;         // Id of the Runtime.evaluate in flight, 0 if none
  int page_has_hello;  // The page shows "hello" in its message list
  char page_url[128];  // The chat page, opened by Target.createTarget
  char target[64];     // targetId of that page
  char session[64];    // sessionId attached to it
  char last[200];      // Start of the last message, for failures
};

// Copies src into dst (cap bytes, NUL-terminated), cut if too long.
static void copy_str(char *dst, size_t cap, const char *src) {
  size_t n = strlen(src);
  if (n >= cap) n = cap - 1;
  memcpy(dst, src, n);
  dst[n] = '\0';
}

// Copies the JSON string value after key ("\"key\":\"") in msg into out.
static void json_str(const char *msg, const char *key, char *out,
                     size_t len) {
  const char *p = strstr(msg, key), *q;
  out[0] = '\0';
  if (p == NULL) return;
  p += strlen(key);
  if ((q = strchr(p, '"')) == NULL || (size_t) (q - p) >= len) return;
  memcpy(out, p, (size_t) (q - p));
  out[q - p] = '\0';
}

// Sends a command; session may be "" (the browser itself). Returns its id.
static int cdp_send(struct mg_connection *nc, struct cdp *d,
                    const char *method, const char *params) {
  int id = d->next_id++;
  if (d->session[0] != '\0' && strncmp(method, "Runtime.", 8) == 0) {
    mg_printf_websocket_frame(
        nc, WEBSOCKET_OP_TEXT,
        "{\"id\":%d,\"sessionId\":\"%s\",\"method\":\"%s\",\"params\":%s}", id,
        d->session, method, params);
  } else {
    mg_printf_websocket_frame(nc, WEBSOCKET_OP_TEXT,
                              "{\"id\":%d,\"method\":\"%s\",\"params\":%s}",
                              id, method, params);
  }
  return id;
}

// Ids: 1 Target.createTarget, 2 Target.attachToTarget, then evaluations.
static void cdp_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct cdp *d = (struct cdp *) nc->user_data;
  struct websocket_message *wm = (struct websocket_message *) ev_data;
  struct http_message *hm = (struct http_message *) ev_data;
  char msg[4096], params[256];
  int id;
  switch (ev) {
    case MG_EV_WEBSOCKET_HANDSHAKE_DONE:
      d->handshake = 1;
      d->resp_code = hm->resp_code;
      if (hm->resp_code != 101) break;
      snprintf(params, sizeof(params), "{\"url\":\"%s\"}", d->page_url);
      cdp_send(nc, d, "Target.createTarget", params);
      break;
    case MG_EV_WEBSOCKET_FRAME:
      snprintf(msg, sizeof(msg), "%.*s", (int) wm->size,
               (const char *) wm->data);
      copy_str(d->last, sizeof(d->last), msg);
      if (strncmp(msg, "{\"id\":", 6) != 0) break;  // An event
      id = atoi(msg + 6);
      if (id == 1) {
        json_str(msg, "\"targetId\":\"", d->target, sizeof(d->target));
        snprintf(params, sizeof(params),
                 "{\"targetId\":\"%s\",\"flatten\":true}", d->target);
        cdp_send(nc, d, "Target.attachToTarget", params);
      } else if (id == 2) {
        json_str(msg, "\"sessionId\":\"", d->session, sizeof(d->session));
      } else if (id == d->eval_id) {
        if (strstr(msg, "\"value\":\"hello\"") != NULL) d->page_has_hello = 1;
        d->eval_id = 0;
      }
      break;
    case MG_EV_CLOSE:
      d->closed = 1;
      break;
    default:
      break;
  }
}

// Polls mgr until the file s_dir/name holds a line starting with prefix;
// copies the rest of it (without the newline) to out. Returns 1 if found.
static int wait_for_line(struct mg_mgr *mgr, const char *name,
                         const char *prefix, char *out, size_t len,
                         double seconds) {
  double deadline = mg_time() + seconds;
  char path[256], line[512];
  size_t n = strlen(prefix);
  path_join(path, sizeof(path), s_dir, name);
  while (mg_time() < deadline) {
    FILE *fp = fopen(path, "r");
    while (fp != NULL && fgets(line, sizeof(line), fp) != NULL) {
      if (strncmp(line, prefix, n) == 0) {
        fclose(fp);
        line[strcspn(line, "\r\n")] = '\0';
        copy_str(out, len, line + n);
        return 1;
      }
    }
    if (fp != NULL) fclose(fp);
    mg_mgr_poll(mgr, 10);
  }
  return 0;
}

static int chat_got_hello(void *arg) {
  return ((struct cli *) arg)->texts > 0;
}

static int cdp_ready(void *arg) {
  struct cdp *d = (struct cdp *) arg;
  return d->session[0] != '\0' || d->closed;
}

static void test_chromium_chat_page_message_reaches_other_client(void **state) {
  static struct mg_mgr mgr;
  struct mg_connection *lc, *nc, *dc;
  struct cli c;
  struct cdp d;
  struct run r;
  char profile[128], prof_arg[160], ws_url[64], devtools[256];
  double deadline;
  pid_t pid;
  int port, st = 0;
  (void) state;
  NEED_CHROMIUM();
  {
    cs_stat_t sb;
    assert_int_equal(mg_stat(CHAT_ROOT "/index.html", &sb), 0);
  }
  memset(&s_chat_http_opts, 0, sizeof(s_chat_http_opts));
  s_chat_http_opts.document_root = CHAT_ROOT;
  s_chat_http_opts.enable_directory_listing = "no";
  mg_mgr_init(&mgr, NULL);
  s_live_mgr = &mgr;
  lc = mg_bind(&mgr, "127.0.0.1:0", chat_ev_handler);
  assert_non_null(lc);
  mg_set_protocol_http_websocket(lc);
  port = conn_port(lc);

  // Our client joins the chat first.
  memset(&c, 0, sizeof(c));
  c.close_code = -1;
  snprintf(ws_url, sizeof(ws_url), "ws://127.0.0.1:%d/ws", port);
  nc = mg_connect_ws(&mgr, cli_handler, ws_url, NULL, NULL);
  assert_non_null(nc);
  nc->user_data = &c;
  assert_true(poll_until(&mgr, cli_handshake_done, &c, STEP_SECONDS));
  assert_int_equal(c.resp_code, 101);

  // Chromium starts on about:blank and says where DevTools listens.
  path_join(profile, sizeof(profile), s_dir, "chromium-XXXXXX");
  assert_non_null(mkdtemp(profile));
  snprintf(prof_arg, sizeof(prof_arg), "--user-data-dir=%s", profile);
  {
    const char *argv[] = {CHROMIUM, "--headless=new", "--no-sandbox",
                          "--disable-gpu", "--disable-background-networking",
                          "--disable-component-update", "--disable-sync",
                          "--no-first-run", "--disable-quic",
                          "--disable-breakpad", prof_arg,
                          "--remote-debugging-port=0", "about:blank", NULL};
    pid = spawn_peer(argv, "chromium");
  }
  assert_true(wait_for_line(&mgr, "chromium.err", "DevTools listening on ",
                            devtools, sizeof(devtools), STEP_SECONDS));

  // It opens the chat page, which sends "hello" once connected.
  memset(&d, 0, sizeof(d));
  d.next_id = 1;
  snprintf(d.page_url, sizeof(d.page_url),
           "http://127.0.0.1:%d/index.html?auto=hello", port);
  dc = mg_connect_ws(&mgr, cdp_handler, devtools, NULL, NULL);
  assert_non_null(dc);
  dc->user_data = &d;
  assert_true(poll_until(&mgr, cdp_ready, &d, STEP_SECONDS));
  assert_int_equal(d.resp_code, 101);
  assert_true(d.target[0] != '\0');
  assert_true(d.session[0] != '\0');

  // The other client gets it, once...
  assert_true(poll_until(&mgr, chat_got_hello, &c, STEP_SECONDS));
  assert_string_equal(c.last_text, "hello");
  // ...and so does the page (the chat relays to the sender too).
  deadline = mg_time() + STEP_SECONDS;
  while (!d.page_has_hello && !d.closed && mg_time() < deadline) {
    if (d.eval_id == 0) {
      d.eval_id = cdp_send(dc, &d, "Runtime.evaluate",
                           "{\"expression\":\"document.getElementById("
                           "'messages').textContent\"}");
    }
    mg_mgr_poll(&mgr, 20);
  }
  if (!d.page_has_hello) print_message("last DevTools message: %s\n", d.last);
  assert_true(d.page_has_hello);
  assert_int_equal(c.texts, 1);

  // Browser.close ends chromium; it gets a few seconds, then SIGKILL.
  cdp_send(dc, &d, "Browser.close", "{}");
  deadline = mg_time() + STEP_SECONDS;
  while (waitpid(pid, &st, WNOHANG) == 0 && mg_time() < deadline) {
    mg_mgr_poll(&mgr, 20);
  }
  if (mg_time() >= deadline) fail_msg("chromium did not exit on Browser.close");
  s_live_pid = 0;
  kill(-pid, SIGKILL);  // Helpers it left behind, if any
  collect("chromium", st, &r);
  assert_int_equal(r.code, 0);
  assert_int_equal(c.texts, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(test_node_ws_echo_text_and_binary_every_length_form, teardown_test),
      cmocka_unit_test_teardown(test_node_ws_fragmented_messages_reassembled, teardown_test),
      cmocka_unit_test_teardown(test_node_ws_ping_gets_pong_with_same_payload, teardown_test),
      cmocka_unit_test_teardown(test_node_ws_close_code_echoed, teardown_test),
      cmocka_unit_test_teardown(test_node_ws_permessage_deflate_declined, teardown_test),
      cmocka_unit_test_teardown(test_python_websockets_echo_text_and_binary, teardown_test),
      cmocka_unit_test_teardown(test_python_websockets_ping_gets_pong, teardown_test),
      cmocka_unit_test_teardown(test_python_websockets_close_code_echoed, teardown_test),
      cmocka_unit_test_teardown(test_python_websockets_compression_declined, teardown_test),
      cmocka_unit_test_teardown(test_our_client_against_python_websockets_server, teardown_test),
      cmocka_unit_test_teardown(test_chromium_chat_page_message_reaches_other_client, teardown_test),
  };
  return cmocka_run_group_tests(tests, setup_files, teardown_files);
}
