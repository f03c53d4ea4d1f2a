// The examples, run as their users run them: each binary
// (examples/<name>/<name>, built by make before this test) is started on a
// free port, probed over real sockets with requests written here (raw HTTP
// and WebSocket bytes), and stopped with SIGTERM by its PID: a clean exit
// (status 0) is part of what is checked. Files go to a scratch directory
// in /tmp. The proxy test runs its own CONNECT proxy and target server in
// this process. Run from the repository root (as make does).
//
// MG_EXAMPLES_VALGRIND=1 runs every example under valgrind (leak check on,
// an error makes the example exit 9, which fails its test).
#include "net_util.h"  // First: mongoose.h sets the feature macros

#include <poll.h>
#include <sys/wait.h>

#define START_SECONDS 20.0  // Longest an example may take to listen
#define IO_SECONDS 15.0     // Longest one exchange may take
#define STOP_SECONDS 10.0   // Longest an example may take to exit
#define REPLY_SIZE 65536

static char s_dir[64];  // Scratch directory

// What a test started, ended by teardown_test() even when it failed
// half-way: the example's process and a manager of our own.
static pid_t s_pid;
static struct mg_mgr *s_live_mgr;

static void sleep_ms(long ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  nanosleep(&ts, NULL);
}

static int teardown_test(void **state) {
  int st;
  (void) state;
  if (s_pid > 0) {
    kill(s_pid, SIGKILL);
    waitpid(s_pid, &st, 0);
  }
  s_pid = 0;
  if (s_live_mgr != NULL) mg_mgr_free(s_live_mgr);
  s_live_mgr = NULL;
  return 0;
}

static void path_join(char *buf, size_t len, const char *dir,
                      const char *name) {
  int n = snprintf(buf, len, "%s/%s", dir, name);
  assert_true(n > 0 && (size_t) n < len);
}

static void write_file(const char *path, const char *data) {
  FILE *fp = fopen(path, "wb");
  assert_non_null(fp);
  assert_int_equal(fwrite(data, 1, strlen(data), fp), strlen(data));
  assert_int_equal(fclose(fp), 0);
}

// Reads up to len - 1 bytes of a file into buf, NUL-terminated.
static void read_small_file(const char *path, char *buf, size_t len) {
  FILE *fp = fopen(path, "rb");
  size_t n;
  assert_non_null(fp);
  n = fread(buf, 1, len - 1, fp);
  buf[n] = '\0';
  fclose(fp);
}

static int setup_dir(void **state) {
  (void) state;
  snprintf(s_dir, sizeof(s_dir), "/tmp/mg_examples_XXXXXX");
  return mkdtemp(s_dir) == NULL ? -1 : 0;
}

// Removes the scratch directory and the files in it (one level).
static int teardown_dir(void **state) {
  DIR *d = opendir(s_dir);
  struct dirent *e;
  char path[512];
  (void) state;
  if (d == NULL) return 0;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    snprintf(path, sizeof(path), "%s/%s", s_dir, e->d_name);
    unlink(path);
  }
  closedir(d);
  rmdir(s_dir);
  return 0;
}

// ---- Processes
// ----------------------------------------------------------------

#define VALGRIND "/usr/bin/valgrind"

// True when the examples run under valgrind (MG_EXAMPLES_VALGRIND=1).
static int under_valgrind(void) {
  const char *v = getenv("MG_EXAMPLES_VALGRIND");
  return v != NULL && strcmp(v, "1") == 0;
}

// Starts argv (argv[0] a path) with stdout and stderr going to the file
// log in the scratch directory. Returns the PID.
static pid_t spawn(const char *const args[], const char *log) {
  const char *argv[24] = {VALGRIND, "-q", "--leak-check=full",
                          "--errors-for-leak-kinds=definite,indirect",
                          "--error-exitcode=9"};
  char path[256];
  pid_t pid;
  int i, n = under_valgrind() ? 5 : 0;
  for (i = 0; args[i] != NULL && n < 23; i++) argv[n++] = args[i];
  argv[n] = NULL;
  path_join(path, sizeof(path), s_dir, log);
  assert_int_equal(access(args[0], X_OK), 0);  // Built by make first
  fflush(NULL);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int in = open("/dev/null", O_RDONLY);
    int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fd;
    if (in < 0 || out < 0) _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    for (fd = 3; fd < 1024; fd++) close(fd);  // Our sockets stay ours
    execv(argv[0], (char *const *) argv);
    _exit(127);
  }
  return pid;
}

// True once something accepts connections on 127.0.0.1:port.
static int port_answers(int port) {
  struct sockaddr_in sin;
  int fd = socket(AF_INET, SOCK_STREAM, 0), ok;
  assert_true(fd >= 0);
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_port = htons((uint16_t) port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ok = connect(fd, (struct sockaddr *) &sin, sizeof(sin)) == 0;
  close(fd);
  return ok;
}

// Starts examples/<name>/<name> -p 127.0.0.1:PORT ARGS... on a free port
// and waits until it listens. Returns the port; stop_example() ends it.
static int start_example(const char *name, const char *const args[]) {
  char path[128], addr[32], log[64];
  const char *argv[16];
  double deadline = mg_time() + START_SECONDS;
  int port = free_loopback_port(SOCK_STREAM), i, n = 0, st;
  assert_true(port > 0);
  assert_true(s_pid == 0);
  snprintf(path, sizeof(path), "examples/%s/%s", name, name);
  snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
  snprintf(log, sizeof(log), "%s.log", name);
  argv[n++] = path;
  argv[n++] = "-p";
  argv[n++] = addr;
  for (i = 0; args != NULL && args[i] != NULL && n < 15; i++) {
    argv[n++] = args[i];
  }
  argv[n] = NULL;
  s_pid = spawn(argv, log);
  while (!port_answers(port)) {
    if (waitpid(s_pid, &st, WNOHANG) == s_pid) {
      s_pid = 0;
      fail_msg("%s exited before it listened (see %s/%s)", name, s_dir, log);
    }
    if (mg_time() > deadline) fail_msg("%s does not listen on %d", name, port);
    sleep_ms(10);
  }
  return port;
}

// Waits (polling mgr if not NULL) until pid exits. Returns its exit code,
// or 128 + the signal that ended it; kills it and fails after seconds.
static int wait_exit(pid_t pid, struct mg_mgr *mgr, double seconds) {
  double deadline = mg_time() + seconds;
  int st = 0;
  while (waitpid(pid, &st, WNOHANG) != pid) {
    if (mg_time() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      fail_msg("process %d did not exit in %.0f s", (int) pid, seconds);
    }
    if (mgr != NULL) {
      mg_mgr_poll(mgr, 5);
    } else {
      sleep_ms(5);
    }
  }
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

// Stops the running example with SIGTERM: it must exit cleanly, with 0.
static void stop_example(void) {
  pid_t pid = s_pid;
  assert_true(pid > 0);
  assert_int_equal(kill(pid, SIGTERM), 0);
  s_pid = 0;
  assert_int_equal(wait_exit(pid, NULL, STOP_SECONDS), 0);
}

// ---- HTTP and WebSocket over a blocking socket
// ---------------------------------

struct reply {
  int status;
  char buf[REPLY_SIZE];  // The response as received, NUL-terminated
  size_t len;
  char body[REPLY_SIZE];  // The body, de-chunked, NUL-terminated
  size_t body_len;
};

static int tcp_connect(int port) {
  struct sockaddr_in sin;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_port = htons((uint16_t) port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(connect(fd, (struct sockaddr *) &sin, sizeof(sin)), 0);
  return fd;
}

static void send_all(int fd, const char *s, size_t n) {
  while (n > 0) {
    ssize_t k = send(fd, s, n, MSG_NOSIGNAL);
    assert_true(k > 0);
    s += k;
    n -= (size_t) k;
  }
}

// One recv() of at most cap bytes, once fd is readable. Returns what recv()
// returned (0 at the peer's close); fails at the deadline.
static ssize_t recv_some(int fd, char *buf, size_t cap, double deadline) {
  struct pollfd pfd;
  pfd.fd = fd;
  pfd.events = POLLIN;
  for (;;) {
    int ms = (int) ((deadline - mg_time()) * 1000);
    if (ms <= 0) fail_msg("no data within the deadline");
    if (poll(&pfd, 1, ms > 100 ? 100 : ms) > 0) return recv(fd, buf, cap, 0);
  }
}

// Reads exactly n bytes.
static void recv_exact(int fd, char *buf, size_t n, double deadline) {
  while (n > 0) {
    ssize_t k = recv_some(fd, buf, n, deadline);
    assert_true(k > 0);
    buf += k;
    n -= (size_t) k;
  }
}

// Copies the body of r->buf (head at head bytes) into r->body, de-chunked
// if the response is chunked.
static void copy_body(struct reply *r, size_t head, int chunked) {
  const char *p = r->buf + head, *end = r->buf + r->len;
  r->body_len = 0;
  if (!chunked) {
    r->body_len = (size_t) (end - p);
    memcpy(r->body, p, r->body_len);
  }
  while (chunked && p < end) {
    char *q;
    unsigned long n = strtoul(p, &q, 16);
    if (n == 0 || (q = strstr(q, "\r\n")) == NULL) break;
    assert_true(q + 2 + n <= end);
    memcpy(r->body + r->body_len, q + 2, n);
    r->body_len += n;
    p = q + 2 + n + 2;
  }
  r->body[r->body_len] = '\0';
}

// Bytes read past a response (a pipelined next one), and their socket.
static char s_pending[REPLY_SIZE];
static size_t s_pending_len;
static int s_pending_fd = -1;

// Reads one response from fd into r.
static void read_reply(int fd, struct reply *r) {
  double deadline = mg_time() + IO_SECONDS;
  size_t total = 0;
  const char *head_end;
  r->len = 0;
  if (s_pending_fd == fd) {
    memcpy(r->buf, s_pending, s_pending_len);
    r->len = s_pending_len;
    r->buf[r->len] = '\0';
  }
  s_pending_fd = -1;
  while ((total = http_response_len(r->buf, r->len)) == 0) {
    ssize_t k =
        recv_some(fd, r->buf + r->len, sizeof(r->buf) - 1 - r->len, deadline);
    assert_true(k >= 0);
    if (k == 0) break;  // A response that ends at close
    r->len += (size_t) k;
    r->buf[r->len] = '\0';
  }
  if (total > 0 && total < r->len) {
    s_pending_len = r->len - total;
    memcpy(s_pending, r->buf + total, s_pending_len);
    s_pending_fd = fd;
  }
  if (total > 0) r->len = total;
  r->buf[r->len] = '\0';
  assert_true(r->len > 12 && memcmp(r->buf, "HTTP/1.", 7) == 0);
  r->status = atoi(r->buf + 9);
  head_end = strstr(r->buf, "\r\n\r\n");
  assert_non_null(head_end);
  copy_body(r, (size_t) (head_end + 4 - r->buf),
            strstr(r->buf, "Transfer-Encoding: chunked\r\n") != NULL &&
                strstr(r->buf, "Transfer-Encoding: chunked\r\n") < head_end);
}

// Sends METHOD URI (with a form body if body is not NULL) on fd.
static void send_request(int fd, const char *method, const char *uri,
                         const char *body) {
  char req[4096];
  int n;
  if (body == NULL) {
    n = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                 method, uri);
  } else {
    n = snprintf(req, sizeof(req),
                 "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 "Content-Type: application/x-www-form-urlencoded\r\n"
                 "Content-Length: %d\r\n\r\n%s",
                 method, uri, (int) strlen(body), body);
  }
  assert_true(n > 0 && (size_t) n < sizeof(req));
  send_all(fd, req, (size_t) n);
}

// Closes a connection of ours; bytes pending for it are forgotten.
static void conn_close(int fd) {
  if (s_pending_fd == fd) s_pending_fd = -1;
  close(fd);
}

static struct reply s_reply;  // Big: not on the stack

// One request on a connection of its own. Returns s_reply.
static struct reply *http(int port, const char *method, const char *uri,
                          const char *body) {
  int fd = tcp_connect(port);
  send_request(fd, method, uri, body);
  read_reply(fd, &s_reply);
  conn_close(fd);
  return &s_reply;
}

// The value of header name in r (up to the CR), or fails.
static const char *header(struct reply *r, const char *name, char *buf,
                          size_t len) {
  const char *p = r->buf, *end = strstr(r->buf, "\r\n\r\n");
  size_t n = strlen(name);
  while ((p = strstr(p, "\r\n")) != NULL && p < end) {
    p += 2;
    if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
      const char *v = p + n + 1, *e = strstr(v, "\r\n");
      while (*v == ' ') v++;
      snprintf(buf, len, "%.*s", (int) (e - v), v);
      return buf;
    }
  }
  fail_msg("no %s header in: %s", name, r->buf);
  return NULL;
}

#define assert_header(r, name, value)                                        \
  do {                                                                       \
    char hbuf_[256];                                                         \
    assert_string_equal(header((r), (name), hbuf_, sizeof(hbuf_)), (value)); \
  } while (0)

// Opens a WebSocket to uri: the handshake, checked byte for byte.
static int ws_open(int port, const char *uri) {
  char req[256], head[1024];
  size_t n = 0;
  double deadline = mg_time() + IO_SECONDS;
  int fd = tcp_connect(port);
  snprintf(req, sizeof(req),
           "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
           "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
           uri);
  send_all(fd, req, strlen(req));
  // Byte by byte: a frame may follow the head at once.
  while (n < 4 || memcmp(head + n - 4, "\r\n\r\n", 4) != 0) {
    assert_true(n + 1 < sizeof(head));
    recv_exact(fd, head + n++, 1, deadline);
  }
  head[n] = '\0';
  assert_non_null(strstr(head, "HTTP/1.1 101 "));
  // RFC 6455's sample key and its accept value.
  assert_non_null(
      strstr(head, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
  return fd;
}

// Reads one unmasked text frame (a server's) into buf, NUL-terminated.
static void ws_read_text(int fd, char *buf, size_t cap, double seconds) {
  double deadline = mg_time() + seconds;
  unsigned char h[4];
  size_t len;
  recv_exact(fd, (char *) h, 2, deadline);
  assert_int_equal(h[0], 0x81);      // FIN, text
  assert_int_equal(h[1] & 0x80, 0);  // Not masked
  len = h[1] & 0x7f;
  if (len == 126) {
    recv_exact(fd, (char *) h + 2, 2, deadline);
    len = ((size_t) h[2] << 8) | h[3];
  }
  assert_true(len < cap);
  recv_exact(fd, buf, len, deadline);
  buf[len] = '\0';
}

// ---- simplest_web_server ----------------------------------------------------

static void test_simplest_web_server_serves_file_and_listing(void **state) {
  const char *args[] = {"-d", s_dir, NULL};
  char path[256];
  struct reply *r;
  int port;
  (void) state;
  path_join(path, sizeof(path), s_dir, "hello.txt");
  write_file(path, "hello from a file\n");
  port = start_example("simplest_web_server", args);

  r = http(port, "GET", "/hello.txt", NULL);
  assert_int_equal(r->status, 200);
  assert_string_equal(r->body, "hello from a file\n");
  assert_header(r, "Content-Type", "text/plain; charset=utf-8");
  assert_header(r, "Content-Length", "18");

  r = http(port, "GET", "/", NULL);  // No index file: a listing
  assert_int_equal(r->status, 200);
  assert_non_null(strstr(r->body, "hello.txt"));

  r = http(port, "GET", "/missing.txt", NULL);
  assert_int_equal(r->status, 404);
  stop_example();
  unlink(path);
}

// ---- ssi
// ----------------------------------------------------------------------

static void test_ssi_example_assembles_page(void **state) {
  const char *args[] = {"-d", "examples/ssi/web_root", NULL};
  struct reply *r;
  int port;
  (void) state;
  port = start_example("ssi", args);
  r = http(port, "GET", "/index.shtml", NULL);
  assert_int_equal(r->status, 200);
  assert_header(r, "Transfer-Encoding", "chunked");
  assert_non_null(strstr(r->body, "<header><h1>mongoose SSI</h1></header>"));
  assert_non_null(strstr(r->body, "<footer>Served by examples/ssi.</footer>"));
  {
    const char *u = strstr(r->body, "Server uptime: ");
    unsigned long up = 99, t = 0;
    assert_non_null(u);
    assert_int_equal(sscanf(u, "Server uptime: %lu s; time: %lu.", &up, &t), 2);
    assert_true(up < 30);
    assert_true(t + 60 > (unsigned long) time(NULL));
  }
  assert_null(strstr(r->body, "<!--#"));
  stop_example();
}

// ---- cgi --------------------------------------------------------------------

static void test_cgi_example_runs_hello_cgi(void **state) {
  const char *args[] = {"-d", "examples/cgi/web_root", NULL};
  char cl[32];
  struct reply *r;
  int port;
  (void) state;
  port = start_example("cgi", args);
  r = http(port, "GET", "/hello.cgi/some/path?name=world", NULL);
  assert_int_equal(r->status, 200);
  assert_header(r, "Transfer-Encoding", "chunked");
  assert_non_null(strstr(r->body, "Hello from /hello.cgi\n"));
  assert_non_null(strstr(r->body, "REQUEST_METHOD=GET\n"));
  assert_non_null(strstr(r->body, "PATH_INFO=/some/path\n"));
  assert_non_null(strstr(r->body, "QUERY_STRING=name=world\n"));
  r = http(port, "POST", "/hello.cgi", "posted data");
  assert_int_equal(r->status, 200);
  assert_non_null(strstr(r->body, "REQUEST_METHOD=POST\n"));
  assert_non_null(strstr(r->body, "Body (11 bytes):\nposted data"));
  r = http(port, "GET", "/index.html", NULL);  // Not a script: a file
  assert_int_equal(r->status, 200);
  snprintf(cl, sizeof(cl), "%d", (int) strlen(r->body));
  assert_header(r, "Content-Length", cl);
  assert_non_null(strstr(r->body, "hello.cgi"));
  stop_example();
}

// ---- webdav -----------------------------------------------------------------

#define LITMUS "/usr/bin/litmus"  // Debian package litmus
#define LITMUS_SECONDS 300.0

// Runs argv (not under valgrind: a tool, not an example) in directory cwd
// with stdin from the file input and stdout and stderr to the file log
// there; returns its exit code.
static int run_tool_in(const char *const argv[], const char *cwd,
                       const char *input, const char *log) {
  pid_t pid;
  assert_int_equal(access(argv[0], X_OK), 0);
  fflush(NULL);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int in, out, fd;
    if (chdir(cwd) != 0) _exit(126);
    in = open(input, O_RDONLY);
    out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0) _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    for (fd = 3; fd < 1024; fd++) close(fd);
    execv(argv[0], (char *const *) argv);
    _exit(127);
  }
  return wait_exit(pid, NULL, LITMUS_SECONDS);
}

static int run_tool(const char *const argv[], const char *cwd,
                    const char *log) {
  return run_tool_in(argv, cwd, "/dev/null", log);
}

// Removes path and everything under it.
static void remove_tree(const char *path) {
  const char *argv[] = {"/bin/rm", "-rf", path, NULL};
  assert_int_equal(run_tool(argv, "/", "/dev/null"), 0);
}

// Adds up litmus's "<- summary for `S': of N tests run: P passed, F failed"
// lines of out; returns how many suites it saw.
static int litmus_totals(const char *out, int *run, int *passed, int *failed) {
  const char *p = out;
  int suites = 0, n, ok, bad;
  *run = *passed = *failed = 0;
  while ((p = strstr(p, "<- summary for `")) != NULL) {
    p = strchr(p, '\'');
    assert_non_null(p);
    assert_int_equal(
        sscanf(p, "': of %d tests run: %d passed, %d failed", &n, &ok, &bad),
        3);
    *run += n, *passed += ok, *failed += bad, suites++;
  }
  return suites;
}

static char s_litmus_out[65536];

// Runs litmus -k against examples/webdav serving DIR/dav (with the digest
// file DIR/dav.pass when user is not NULL) and checks every suite passes.
static void run_litmus(const char *user, const char *pass) {
  char root[128], passfile[128], url[64];
  const char *args[] = {"-d", root, "-a", passfile, NULL};
  const char *largv[] = {LITMUS, "-k", url, user, pass, NULL};
  int port, run, passed, failed;
  path_join(root, sizeof(root), s_dir, "dav");
  path_join(passfile, sizeof(passfile), s_dir, "dav.pass");
  assert_int_equal(mkdir(root, 0755), 0);
  if (user == NULL) args[2] = NULL;  // No -a: no auth
  port = start_example("webdav", args);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
  // litmus exits 1 when a test fails; its summary says which.
  run_tool(largv, s_dir, "litmus.out");
  stop_example();
  path_join(passfile, sizeof(passfile), s_dir, "litmus.out");
  read_small_file(passfile, s_litmus_out, sizeof(s_litmus_out));
  if (litmus_totals(s_litmus_out, &run, &passed, &failed) != 5 ||
      passed != 104 || failed != 0 || strstr(s_litmus_out, "WARNING")) {
    fail_msg("litmus: %d run, %d passed, %d failed:\n%s", run, passed, failed,
             s_litmus_out);
  }
  print_message("litmus%s: %d of %d passed\n", user ? " (digest)" : "", passed,
                run);
  remove_tree(root);
}

// litmus's basic, copymove, props, locks and http suites, all 104 tests.
static void test_webdav_example_passes_litmus(void **state) {
  (void) state;
  run_litmus(NULL, NULL);
}

// Writes DIR/dav.pass with alice's HA1 for realm "mongoose".
static void write_dav_pass(const char *password) {
  char line[128], a1[64], path[128];
  unsigned char md[16];
  struct mg_md5_ctx ctx;
  int i, n = snprintf(a1, sizeof(a1), "alice:mongoose:%s", password);
  mg_md5_init(&ctx);
  mg_md5_update(&ctx, (const unsigned char *) a1, (size_t) n);
  mg_md5_final(md, &ctx);
  n = snprintf(line, sizeof(line), "alice:mongoose:");
  for (i = 0; i < 16; i++) n += snprintf(line + n, 3, "%02x", md[i]);
  line[n++] = '\n', line[n] = '\0';
  path_join(path, sizeof(path), s_dir, "dav.pass");
  write_file(path, line);
}

// The same suites with a digest login; a request without one gets 401.
static void test_webdav_example_with_digest_auth(void **state) {
  char root[128], passfile[128], path[160];
  const char *args[] = {"-d", root, "-a", passfile, NULL};
  struct reply *r;
  int port;
  (void) state;
  write_dav_pass("secret");
  run_litmus("alice", "secret");
  path_join(root, sizeof(root), s_dir, "dav");
  path_join(passfile, sizeof(passfile), s_dir, "dav.pass");
  assert_int_equal(mkdir(root, 0755), 0);
  port = start_example("webdav", args);
  r = http(port, "PUT", "/new.txt", "data");
  assert_int_equal(r->status, 401);
  assert_non_null(strstr(r->buf, "WWW-Authenticate: Digest "));
  r = http(port, "MKCOL", "/d", NULL);
  assert_int_equal(r->status, 401);
  r = http(port, "DELETE", "/dav.pass", NULL);  // Outside the root anyway
  assert_int_equal(r->status, 401);
  stop_example();
  path_join(path, sizeof(path), root, "new.txt");
  assert_int_equal(access(path, F_OK), -1);  // Nothing was written
  path_join(path, sizeof(path), root, "d");
  assert_int_equal(access(path, F_OK), -1);
  remove_tree(root);
}

#define CADAVER "/usr/bin/cadaver"  // Debian package cadaver
#define CURL "/usr/bin/curl"

// A cadaver session (commands on its stdin) makes a collection, uploads,
// copies, moves, sets and reads a property, locks, reads and deletes; the
// tree on disk is what it says.
static void test_webdav_example_cadaver_session(void **state) {
  char root[128], path[160], url[64], buf[256];
  const char *args[] = {"-d", root, NULL};
  const char *argv[] = {CADAVER, url, NULL};
  int port;
  (void) state;
  path_join(root, sizeof(root), s_dir, "dav");
  assert_int_equal(mkdir(root, 0755), 0);
  path_join(path, sizeof(path), s_dir, "up.txt");
  write_file(path, "hello-cadaver\n");
  path_join(path, sizeof(path), s_dir, "cadaver.in");
  write_file(path,
             "mkcol sub\nput up.txt sub/up.txt\ncopy sub/up.txt sub/c.txt\n"
             "move sub/c.txt sub/moved.txt\npropset sub/up.txt color red\n"
             "propget sub/up.txt color\nlock sub/up.txt\n"
             "unlock sub/up.txt\ncat sub/moved.txt\ndelete sub/up.txt\n"
             "ls sub\nquit\n");
  port = start_example("webdav", args);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
  assert_int_equal(run_tool_in(argv, s_dir, path, "cadaver.out"), 0);
  stop_example();
  path_join(path, sizeof(path), s_dir, "cadaver.out");
  read_small_file(path, s_litmus_out, sizeof(s_litmus_out));
  assert_non_null(strstr(s_litmus_out, "Creating `sub': succeeded."));
  assert_non_null(strstr(s_litmus_out, "Moving `/sub/c.txt' to `/sub/moved"));
  assert_non_null(strstr(s_litmus_out, "Value of color is: red"));
  assert_non_null(strstr(s_litmus_out, "Locking `sub/up.txt': succeeded."));
  assert_non_null(strstr(s_litmus_out, "Unlocking `sub/up.txt': succeeded."));
  assert_non_null(strstr(s_litmus_out, "\nhello-cadaver\n"));
  assert_non_null(strstr(s_litmus_out, "Deleting `sub/up.txt': succeeded."));
  assert_null(strstr(s_litmus_out, "failed"));
  path_join(path, sizeof(path), root, "sub/moved.txt");
  read_small_file(path, buf, sizeof(buf));
  assert_string_equal(buf, "hello-cadaver\n");
  path_join(path, sizeof(path), root, "sub/up.txt");
  assert_int_equal(access(path, F_OK), -1);
  path_join(path, sizeof(path), root, "sub/c.txt");
  assert_int_equal(access(path, F_OK), -1);
  remove_tree(root);
}

// curl -T uploads (201, then 204 over it), GET reads it back, DELETE
// removes it (204) and a second DELETE is 404.
static void test_webdav_example_curl_put_get_delete(void **state) {
  char root[128], path[160], url[96], out[256];
  const char *args[] = {"-d", root, NULL};
  const char *put[] = {CURL,           "-sS", "-o",     "/dev/null", "-w",
                       "%{http_code}", "-T",  "up.txt", url,         NULL};
  const char *get[] = {CURL, "-sS", url, NULL};
  const char *del[] = {CURL,           "-sS", "-o",     "/dev/null", "-w",
                       "%{http_code}", "-X",  "DELETE", url,         NULL};
  int port;
  (void) state;
  path_join(root, sizeof(root), s_dir, "dav");
  assert_int_equal(mkdir(root, 0755), 0);
  path_join(path, sizeof(path), s_dir, "up.txt");
  write_file(path, "uploaded by curl\n");
  port = start_example("webdav", args);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/doc.txt", port);
  path_join(path, sizeof(path), s_dir, "curl.out");
  assert_int_equal(run_tool(put, s_dir, "curl.out"), 0);
  read_small_file(path, out, sizeof(out));
  assert_string_equal(out, "201");
  assert_int_equal(run_tool(put, s_dir, "curl.out"), 0);
  read_small_file(path, out, sizeof(out));
  assert_string_equal(out, "204");
  assert_int_equal(run_tool(get, s_dir, "curl.out"), 0);
  read_small_file(path, out, sizeof(out));
  assert_string_equal(out, "uploaded by curl\n");
  assert_int_equal(run_tool(del, s_dir, "curl.out"), 0);
  read_small_file(path, out, sizeof(out));
  assert_string_equal(out, "204");
  assert_int_equal(run_tool(del, s_dir, "curl.out"), 0);
  read_small_file(path, out, sizeof(out));
  assert_string_equal(out, "404");
  stop_example();
  remove_tree(root);
}

// curl POSTs 12 MiB (over the 8 MiB MG_MAX_HTTP_BODY_SIZE: buffered it
// would be 413) to hello.cgi, which echoes it: the example streams the
// body to the script (MG_EV_HTTP_REQUEST_HEAD), and curl's Expect:
// 100-continue gets its 100 first. What comes back is the whole body.
static void test_cgi_example_streams_a_big_upload(void **state) {
  const char *args[] = {"-d", "examples/cgi/web_root", NULL};
  char path[160], out[160], url[96];
  const char *post[] = {"/usr/bin/curl",
                        "-sS",
                        "-o",
                        "up.out",
                        "-w",
                        "%{http_code}",
                        "-H",
                        "Content-Type: application/octet-stream",
                        "--data-binary",
                        "@up.bin",
                        url,
                        NULL};
  const size_t size = 12 * 1024 * 1024;
  static const char hdr[] = "Body (12582912 bytes):\n";
  char code[16], *got;
  size_t i, n;
  FILE *fp;
  int port;
  (void) state;
  path_join(path, sizeof(path), s_dir, "up.bin");
  assert_non_null(fp = fopen(path, "wb"));
  for (i = 0; i < size; i++) fputc((int) ((i * 13) ^ (i >> 10)) & 0xff, fp);
  fclose(fp);
  port = start_example("cgi", args);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/hello.cgi", port);
  path_join(out, sizeof(out), s_dir, "curl.code");
  assert_int_equal(run_tool(post, s_dir, "curl.code"), 0);
  read_small_file(out, code, sizeof(code));
  assert_string_equal(code, "200");
  path_join(out, sizeof(out), s_dir, "up.out");
  assert_non_null(fp = fopen(out, "rb"));
  got = (char *) malloc(size + 4096);
  assert_non_null(got);
  n = fread(got, 1, size + 4096, fp);
  fclose(fp);
  assert_true(n > size + sizeof(hdr) - 1);
  assert_memory_equal(got + n - size - (sizeof(hdr) - 1), hdr, sizeof(hdr) - 1);
  for (i = 0; i < size; i++) {
    if ((unsigned char) got[n - size + i] != (((i * 13) ^ (i >> 10)) & 0xff)) {
      fail_msg("byte %lu of the echoed upload differs", (unsigned long) i);
    }
  }
  free(got);
  unlink(out);
  unlink(path);
  stop_example();
}

// ---- multithreaded
// ------------------------------------------------------------

// The reply's conn_id, after checking the rest of the line.
static unsigned long mt_conn_id(struct reply *r, int ms) {
  unsigned long id = 0;
  int worker = 0, slept = -1;
  assert_int_equal(r->status, 200);
  assert_int_equal(sscanf(r->body, "conn_id:%lu worker:%d sleep_ms:%d", &id,
                          &worker, &slept),
                   3);
  assert_true(worker >= 1 && worker <= 4);
  assert_int_equal(slept, ms);
  return id;
}

static void test_multithreaded_fast_job_answered_while_slow_one_works(
    void **state) {
  struct reply fast;
  unsigned long slow_id, fast_id;
  char byte;
  int port = start_example("multithreaded", NULL);
  int slow_fd = tcp_connect(port), fast_fd;
  (void) state;
  send_request(slow_fd, "GET", "/?ms=3000", NULL);
  fast_fd = tcp_connect(port);
  send_request(fast_fd, "GET", "/?ms=0", NULL);
  read_reply(fast_fd, &fast);
  fast_id = mt_conn_id(&fast, 0);
  // The slow job is still at work: nothing for its connection yet.
  assert_int_equal(recv(slow_fd, &byte, 1, MSG_DONTWAIT), -1);
  assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
  read_reply(slow_fd, &s_reply);
  slow_id = mt_conn_id(&s_reply, 3000);
  assert_true(slow_id != fast_id);
  conn_close(slow_fd);
  conn_close(fast_fd);
  stop_example();
}

static void test_multithreaded_replies_reach_their_connections_in_order(
    void **state) {
  int fds[4], i, port = start_example("multithreaded", NULL);
  char uri[32];
  (void) state;
  // Four jobs at once, on four connections: each answer names its job.
  for (i = 0; i < 4; i++) {
    fds[i] = tcp_connect(port);
    snprintf(uri, sizeof(uri), "/?ms=%d", 400 - i * 100);
    send_request(fds[i], "GET", uri, NULL);
  }
  for (i = 0; i < 4; i++) {
    read_reply(fds[i], &s_reply);
    mt_conn_id(&s_reply, 400 - i * 100);
    conn_close(fds[i]);
  }
  // Two pipelined jobs on one connection: the slow first one is answered
  // first.
  fds[0] = tcp_connect(port);
  send_request(fds[0], "GET", "/?ms=300", NULL);
  send_request(fds[0], "GET", "/?ms=0", NULL);
  read_reply(fds[0], &s_reply);
  mt_conn_id(&s_reply, 300);
  read_reply(fds[0], &s_reply);
  mt_conn_id(&s_reply, 0);
  conn_close(fds[0]);

  assert_int_equal(http(port, "POST", "/", "x=1")->status, 405);
  assert_int_equal(http(port, "GET", "/?ms=99999", NULL)->status, 400);
  // A client that leaves before its answer: the answer is dropped (it
  // comes back while the next, longer job works), and the next job's
  // answer still reaches its own connection.
  fds[0] = tcp_connect(port);
  send_request(fds[0], "GET", "/?ms=100", NULL);
  conn_close(fds[0]);
  mt_conn_id(http(port, "GET", "/?ms=300", NULL), 300);
  stop_example();
}

// ---- multithreaded_restful_server
// ---------------------------------------------

static void test_multithreaded_restful_stats_answered_while_request_works(
    void **state) {
  int port = start_example("multithreaded_restful_server", NULL);
  int slow_fd = tcp_connect(port), threads = 0;
  unsigned long served = 0, served_before = 0;
  double deadline = mg_time() + IO_SECONDS;
  struct reply *r;
  (void) state;
  send_request(slow_fd, "GET", "/api/v1/slow/thing?ms=2000", NULL);
  // The poll loop answers at once while the request's thread sleeps: the
  // stats show it at work.
  while (threads == 0 && mg_time() < deadline) {
    r = http(port, "GET", "/api/v1/stats", NULL);
    assert_int_equal(r->status, 200);
    assert_header(r, "Content-Type", "application/json");
    assert_int_equal(sscanf(r->body, "{\"threads\": %d, \"served\": %lu}",
                            &threads, &served),
                     2);
    assert_true(threads == 0 || threads == 1);
    assert_int_equal(served, served_before);  // Each stats answer counts
    served_before = served + 1;
  }
  assert_int_equal(threads, 1);
  read_reply(slow_fd, &s_reply);
  conn_close(slow_fd);
  assert_int_equal(s_reply.status, 200);
  assert_string_equal(s_reply.body,
                      "{\"uri\": \"/api/v1/slow/thing\", \"slept_ms\": 2000, "
                      "\"threads\": 1}\n");

  r = http(port, "GET", "/api/v1/other?ms=0", NULL);
  assert_int_equal(r->status, 200);
  assert_non_null(
      strstr(r->body, "{\"uri\": \"/api/v1/other\", \"slept_ms\": 0, "));
  r = http(port, "GET", "/elsewhere", NULL);
  assert_int_equal(r->status, 404);
  assert_string_equal(r->body, "{\"error\": \"not found\"}\n");
  assert_int_equal(http(port, "DELETE", "/api/v1/x", NULL)->status, 405);
  assert_int_equal(http(port, "GET", "/api/v1/x?ms=-1", NULL)->status, 400);
  stop_example();
}

// ---- settings_panel
// ------------------------------------------------------------

static void test_settings_panel_post_save_changes_get_settings(void **state) {
  int port = start_example("settings_panel", NULL);
  char long_value[160];
  struct reply *r;
  (void) state;
  r = http(port, "GET", "/get_settings", NULL);
  assert_int_equal(r->status, 200);
  assert_header(r, "Content-Type", "application/json");
  assert_string_equal(
      r->body,
      "{\"setting1\": \"value1\", \"setting2\": \"value2\", \"enabled\": "
      "false}\n");

  r = http(port, "POST", "/save", "setting1=a+%22quoted%22+name&enabled=on");
  assert_int_equal(r->status, 200);
  assert_string_equal(
      r->body,
      "{\"setting1\": \"a \\\"quoted\\\" name\", \"setting2\": \"value2\", "
      "\"enabled\": true}\n");
  r = http(port, "GET", "/get_settings", NULL);
  assert_string_equal(
      r->body,
      "{\"setting1\": \"a \\\"quoted\\\" name\", \"setting2\": \"value2\", "
      "\"enabled\": true}\n");

  // Too long: refused, and nothing changes.
  memset(long_value, 'x', sizeof(long_value));
  memcpy(long_value, "setting2=", 9);
  long_value[sizeof(long_value) - 1] = '\0';
  assert_int_equal(http(port, "POST", "/save", long_value)->status, 400);
  r = http(port, "POST", "/save", "setting2=&enabled=off");
  assert_string_equal(r->body,
                      "{\"setting1\": \"a \\\"quoted\\\" name\", \"setting2\": "
                      "\"\", \"enabled\": false}\n");
  assert_int_equal(http(port, "GET", "/save", NULL)->status, 405);

  r = http(port, "GET", "/", NULL);  // The page, which reads the JSON
  assert_int_equal(r->status, 200);
  assert_header(r, "Content-Type", "text/html; charset=utf-8");
  assert_non_null(strstr(r->body, "fetch('/get_settings')"));
  stop_example();
}

// ---- connected_device_2, 3 and 4
// -----------------------------------------------

// The page shows the values (HTML-escaped) and the LED; the forms change
// them. Common to the three steps.
static void check_device_page_and_forms(int port) {
  struct reply *r = http(port, "GET", "/", NULL);
  assert_int_equal(r->status, 200);
  assert_header(r, "Content-Type", "text/html; charset=utf-8");
  assert_non_null(strstr(r->body, "name=\"setting1\" value=\"value1\""));
  assert_non_null(strstr(r->body, "<b id=\"led\">off</b>"));

  r = http(port, "POST", "/save", "setting1=%3Cb%3E%26co");
  assert_int_equal(r->status, 302);
  assert_header(r, "Location", "/");
  r = http(port, "POST", "/led", "state=on");
  assert_int_equal(r->status, 302);
  assert_int_equal(http(port, "POST", "/led", "state=blink")->status, 400);

  r = http(port, "GET", "/", NULL);
  assert_non_null(
      strstr(r->body, "name=\"setting1\" value=\"&lt;b&gt;&amp;co\""));
  assert_non_null(strstr(r->body, "name=\"setting2\" value=\"value2\""));
  assert_non_null(strstr(r->body, "<b id=\"led\">on</b>"));
  http(port, "POST", "/led", "state=toggle");
  assert_non_null(
      strstr(http(port, "GET", "/", NULL)->body, "<b id=\"led\">off</b>"));

  r = http(port, "GET", "/style.css", NULL);
  assert_int_equal(r->status, 200);
  assert_header(r, "Content-Type", "text/css; charset=utf-8");
}

static void test_connected_device_2_forms_change_the_page(void **state) {
  int port = start_example("connected_device_2", NULL);
  (void) state;
  check_device_page_and_forms(port);
  assert_int_equal(http(port, "GET", "/get_cpu_usage", NULL)->status, 404);
  stop_example();
}

// Reads /get_cpu_usage: a percentage, and the reading's number.
static int read_cpu_usage(int port, unsigned long *sample) {
  struct reply *r = http(port, "GET", "/get_cpu_usage", NULL);
  int usage = -1;
  assert_int_equal(r->status, 200);
  assert_header(r, "Content-Type", "application/json");
  assert_int_equal(
      sscanf(r->body, "{\"result\": %d, \"sample\": %lu}", &usage, sample), 2);
  assert_true(usage >= 0 && usage <= 100);
  return usage;
}

static void test_connected_device_3_page_polls_cpu_usage_json(void **state) {
  unsigned long s1 = 0, s2 = 0;
  int port = start_example("connected_device_3", NULL);
  struct reply *r;
  (void) state;
  check_device_page_and_forms(port);
  read_cpu_usage(port, &s1);
  read_cpu_usage(port, &s2);
  assert_int_equal(s1, 1);  // A new reading each time
  assert_int_equal(s2, 2);
  r = http(port, "GET", "/", NULL);
  assert_non_null(strstr(r->body, "<span id=\"cpu_usage\">"));
  assert_non_null(strstr(r->body, "<script src=\"/main.js\">"));
  r = http(port, "GET", "/main.js", NULL);
  assert_int_equal(r->status, 200);
  assert_non_null(strstr(r->body, "fetch('/get_cpu_usage'"));
  stop_example();
}

static void test_connected_device_4_websocket_pushes_memory_and_led(
    void **state) {
  char msg[256];
  unsigned long sample = 0;
  int port = start_example("connected_device_4", NULL), fd, n = -1, i;
  (void) state;
  check_device_page_and_forms(port);
  read_cpu_usage(port, &sample);

  fd = ws_open(port, "/");
  ws_read_text(fd, msg, sizeof(msg), IO_SECONDS);  // The state, at once
  assert_int_equal(sscanf(msg, "{\"memory_usage\": %d, \"led\": false}", &n),
                   1);
  assert_true(n >= 0 && n <= 100);
  assert_non_null(strstr(msg, "\"led\": false}"));
  // Then a reading every second, pushed without being asked.
  ws_read_text(fd, msg, sizeof(msg), 5);
  assert_int_equal(sscanf(msg, "{\"memory_usage\": %d}", &n), 1);
  assert_true(n >= 0 && n <= 100);
  // An LED change is pushed at once (readings may come first).
  assert_int_equal(http(port, "POST", "/led", "state=on")->status, 302);
  for (i = 0; i < 5; i++) {
    ws_read_text(fd, msg, sizeof(msg), 5);
    if (strncmp(msg, "{\"memory_usage\": ", 17) != 0) break;
  }
  assert_string_equal(msg, "{\"led\": true}");
  conn_close(fd);
  stop_example();
}

// ---- api_server
// ------------------------------------------------------------------

static void test_api_server_crud_records_persist_across_restart(void **state) {
  char db[256];
  const char *args[] = {"-f", db, NULL};
  struct reply *r;
  int port;
  (void) state;
  path_join(db, sizeof(db), s_dir, "api.db");
  port = start_example("api_server", args);
  r = http(port, "PUT", "/api/v1/foo", "value=123");
  assert_int_equal(r->status, 201);
  assert_header(r, "Content-Type", "application/json");
  assert_string_equal(r->body, "{\"key\": \"foo\", \"value\": \"123\"}\n");
  r = http(port, "PUT", "/api/v1/foo", "value=a%22b%5Cc");
  assert_int_equal(r->status, 200);
  assert_string_equal(r->body,
                      "{\"key\": \"foo\", \"value\": \"a\\\"b\\\\c\"}\n");
  r = http(port, "POST", "/api/v1/foo", "value=again");
  assert_int_equal(r->status, 409);
  r = http(port, "POST", "/api/v1/bar%20baz", "value=");
  assert_int_equal(r->status, 201);
  assert_string_equal(r->body, "{\"key\": \"bar baz\", \"value\": \"\"}\n");
  assert_int_equal(http(port, "PUT", "/api/v1/x", "other=1")->status, 400);
  assert_int_equal(http(port, "PATCH", "/api/v1/x", "value=1")->status, 405);
  stop_example();

  // The same database in a new process: the records are there.
  port = start_example("api_server", args);
  r = http(port, "GET", "/api/v1/foo", NULL);
  assert_int_equal(r->status, 200);
  assert_string_equal(r->body,
                      "{\"key\": \"foo\", \"value\": \"a\\\"b\\\\c\"}\n");
  r = http(port, "GET", "/api/v1/", NULL);
  assert_string_equal(r->body, "{\"keys\": [\"bar baz\", \"foo\"]}\n");
  r = http(port, "DELETE", "/api/v1/foo", NULL);
  assert_int_equal(r->status, 200);
  assert_string_equal(r->body, "{\"deleted\": \"foo\"}\n");
  r = http(port, "GET", "/api/v1/foo", NULL);
  assert_int_equal(r->status, 404);
  assert_string_equal(r->body, "{\"error\": \"no such key\"}\n");
  assert_int_equal(http(port, "DELETE", "/api/v1/foo", NULL)->status, 404);
  r = http(port, "GET", "/", NULL);  // The page that uses the API
  assert_int_equal(r->status, 200);
  assert_non_null(strstr(r->body, "/api/v1/"));
  stop_example();
  unlink(db);
}

// ---- http_proxy_client
// -------------------------------------------------------

#define TARGET_BODY "the body, through the tunnel\n"

// A small CONNECT proxy and a target server, in this process.
struct tunnel_test {
  int refuse;              // Answer CONNECT with 403
  char connect_line[128];  // The request line the proxy got
  char target_uri[128];    // What the target got
  char target_host[64];
};
static struct tunnel_test s_tun;

// Both ends of an open tunnel: bytes go across; a close closes the other
// end once its bytes are out.
static void tunnel_relay(struct mg_connection *nc, int ev, void *ev_data) {
  struct mg_connection *peer = (struct mg_connection *) nc->user_data;
  if (ev == MG_EV_CONNECT && peer != NULL) {  // The proxy's upstream end
    if (*(int *) ev_data == 0) {
      mg_printf(peer, "HTTP/1.1 200 Connection established\r\n\r\n");
    } else {
      mg_printf(peer, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
    }
  } else if (ev == MG_EV_RECV) {
    if (peer != NULL) mg_send(peer, nc->recv_mbuf.buf, (int) nc->recv_mbuf.len);
    mbuf_remove(&nc->recv_mbuf, nc->recv_mbuf.len);
  } else if (ev == MG_EV_CLOSE && peer != NULL) {
    peer->user_data = NULL;
    peer->flags |= MG_F_SEND_AND_CLOSE;
  }
}

// The proxy's client end until the CONNECT head is in.
static void proxy_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct mbuf *io = &nc->recv_mbuf;
  struct mg_connection *up;
  char target[96];
  const char *end;
  (void) ev_data;
  if (ev != MG_EV_RECV) return;
  end = mg_strstr(mg_mk_str_n(io->buf, io->len), mg_mk_str("\r\n\r\n"));
  if (end == NULL) return;
  snprintf(s_tun.connect_line, sizeof(s_tun.connect_line), "%.*s",
           (int) (mg_strstr(mg_mk_str_n(io->buf, io->len), mg_mk_str("\r\n")) -
                  io->buf),
           io->buf);
  if (s_tun.refuse ||
      sscanf(s_tun.connect_line, "CONNECT %95s HTTP/1.1", target) != 1) {
    mg_printf(nc, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
    nc->flags |= MG_F_SEND_AND_CLOSE;
    mbuf_clear(io);
    return;
  }
  mbuf_remove(io, (size_t) (end + 4 - io->buf));
  up = mg_connect(nc->mgr, target, tunnel_relay);
  assert_non_null(up);
  up->user_data = nc;
  nc->user_data = up;
  nc->handler = tunnel_relay;
}

static void target_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  struct mg_str *host;
  if (ev != MG_EV_HTTP_REQUEST) return;
  host = mg_get_http_header(hm, "Host");
  snprintf(s_tun.target_uri, sizeof(s_tun.target_uri), "%.*s %.*s",
           (int) hm->method.len, hm->method.p,
           (int) (hm->uri.len +
                  (hm->query_string.len > 0 ? hm->query_string.len + 1 : 0)),
           hm->uri.p);
  snprintf(s_tun.target_host, sizeof(s_tun.target_host), "%.*s",
           host == NULL ? 0 : (int) host->len, host == NULL ? "" : host->p);
  mg_send_head(nc, 200, (int64_t) strlen(TARGET_BODY),
               "Content-Type: text/plain");
  mg_printf(nc, "%s", TARGET_BODY);
}

static struct mg_mgr s_tun_mgr;

// Starts the proxy and the target; runs http_proxy_client PROXY URL while
// serving them, and returns its exit code. Its output goes to out.
static int run_proxy_client(char *out, size_t out_len, int *target_port) {
  struct mg_connection *proxy, *target;
  char proxy_addr[32], url[96], path[256];
  const char *argv[] = {"examples/http_proxy_client/http_proxy_client",
                        proxy_addr, url, NULL};
  int code;
  mg_mgr_init(&s_tun_mgr, NULL);
  s_live_mgr = &s_tun_mgr;
  assert_non_null(proxy = mg_bind(&s_tun_mgr, "127.0.0.1:0", proxy_handler));
  assert_non_null(target = mg_bind(&s_tun_mgr, "127.0.0.1:0", target_handler));
  mg_set_protocol_http_websocket(target);
  *target_port = conn_port(target);
  snprintf(proxy_addr, sizeof(proxy_addr), "127.0.0.1:%d", conn_port(proxy));
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/hello?x=1", *target_port);
  s_pid = spawn(argv, "proxy_client.out");
  code = wait_exit(s_pid, &s_tun_mgr, IO_SECONDS);
  s_pid = 0;
  path_join(path, sizeof(path), s_dir, "proxy_client.out");
  read_small_file(path, out, out_len);
  return code;
}

static void test_http_proxy_client_gets_body_through_connect_tunnel(
    void **state) {
  char out[512], want[64];
  int target_port = 0;
  (void) state;
  memset(&s_tun, 0, sizeof(s_tun));
  assert_int_equal(run_proxy_client(out, sizeof(out), &target_port), 0);
  assert_string_equal(out, TARGET_BODY);
  snprintf(want, sizeof(want), "CONNECT 127.0.0.1:%d HTTP/1.1", target_port);
  assert_string_equal(s_tun.connect_line, want);
  assert_string_equal(s_tun.target_uri, "GET /hello?x=1");
  snprintf(want, sizeof(want), "127.0.0.1:%d", target_port);
  assert_string_equal(s_tun.target_host, want);
}

static void test_http_proxy_client_refused_tunnel_exits_1(void **state) {
  char out[512];
  int target_port = 0;
  (void) state;
  memset(&s_tun, 0, sizeof(s_tun));
  s_tun.refuse = 1;
  assert_int_equal(run_proxy_client(out, sizeof(out), &target_port), 1);
  assert_non_null(strstr(out, "The proxy refused the tunnel: 403 Forbidden"));
  assert_string_equal(s_tun.target_uri, "");  // The target saw nothing
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(
          test_simplest_web_server_serves_file_and_listing, teardown_test),
      cmocka_unit_test_teardown(test_ssi_example_assembles_page, teardown_test),
      cmocka_unit_test_teardown(test_cgi_example_streams_a_big_upload,
                                teardown_test),
      cmocka_unit_test_teardown(test_cgi_example_runs_hello_cgi, teardown_test),
      cmocka_unit_test_teardown(test_webdav_example_passes_litmus,
                                teardown_test),
      cmocka_unit_test_teardown(test_webdav_example_with_digest_auth,
                                teardown_test),
      cmocka_unit_test_teardown(test_webdav_example_cadaver_session,
                                teardown_test),
      cmocka_unit_test_teardown(test_webdav_example_curl_put_get_delete,
                                teardown_test),
      cmocka_unit_test_teardown(
          test_multithreaded_fast_job_answered_while_slow_one_works,
          teardown_test),
      cmocka_unit_test_teardown(
          test_multithreaded_replies_reach_their_connections_in_order,
          teardown_test),
      cmocka_unit_test_teardown(
          test_multithreaded_restful_stats_answered_while_request_works,
          teardown_test),
      cmocka_unit_test_teardown(
          test_settings_panel_post_save_changes_get_settings, teardown_test),
      cmocka_unit_test_teardown(test_connected_device_2_forms_change_the_page,
                                teardown_test),
      cmocka_unit_test_teardown(
          test_connected_device_3_page_polls_cpu_usage_json, teardown_test),
      cmocka_unit_test_teardown(
          test_connected_device_4_websocket_pushes_memory_and_led,
          teardown_test),
      cmocka_unit_test_teardown(
          test_api_server_crud_records_persist_across_restart, teardown_test),
      cmocka_unit_test_teardown(
          test_http_proxy_client_gets_body_through_connect_tunnel,
          teardown_test),
      cmocka_unit_test_teardown(test_http_proxy_client_refused_tunnel_exits_1,
                                teardown_test),
  };
  return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
