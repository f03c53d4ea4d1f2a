// Net tests for CGI (RFC 3875) in mg_serve_http(): scripts written by the
// group setup into a mkdtemp() document root, requests over real sockets,
// assertions on the exact bytes the client gets. The CGI switch and a short
// silence timeout are compiled in: this test builds mongoose.c itself.
#define MG_ENABLE_HTTP_CGI 1
#define MG_CGI_TIMEOUT 2
#define MG_MAX_HTTP_BODY_SIZE (2 * 1024 * 1024)  // Buffered: 413 above
#include "../../mongoose.c"
#include "net_util.h"

#define BIG_SIZE (1024 * 1024)

static struct mg_mgr s_mgr;
static struct mg_connection *s_lc;
static int s_port;
static char s_tmp[64];      // mkdtemp() directory
static char s_root[256];    // The document root (real path)
static char s_interp[300];  // A root served with an interpreter
static struct mg_serve_http_opts s_opts;
static int s_stream;           // The handler takes MG_EV_HTTP_REQUEST_HEAD too
static char s_auth_file[300];  // htdigest file for /a/... (user joe, pw)

// ---- Fixtures ---------------------------------------------------------------

static void write_script(const char *dir, const char *name, const char *text,
                         mode_t mode) {
  char path[512];
  FILE *fp;
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  fp = fopen(path, "wb");
  assert_non_null(fp);
  assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
  fclose(fp);
  assert_int_equal(chmod(path, mode), 0);
}

#define SH "#!/bin/sh\n"
#define CT "printf 'Content-Type: text/plain\\r\\n\\r\\n'\n"

static const struct {
  const char *name, *text;
} s_scripts[] = {
    {"env.cgi", SH CT "env\n"},
    {"status.cgi", SH "printf 'Status: 404 Not Here\\r\\nContent-Type: "
                      "text/plain\\r\\n\\r\\nmissing'\n"},
    {"redirect.cgi",
     SH "printf 'Location: http://example.test/x\\r\\n\\r\\n'\n"},
    {"nolen.cgi", SH CT "printf 'hello '\nprintf 'world'\n"},
    {"len.cgi", SH "printf 'Content-Type: text/plain\\r\\nContent-Length: "
                   "5\\r\\n\\r\\nhello'\n"},
    {"short.cgi", SH "printf 'Content-Length: 10\\r\\n\\r\\nabc'\n"},
    {"cat.cgi", SH "printf 'Content-Type: application/octet-stream\\n\\n'\n"
                   "exec cat\n"},
    {"hang.cgi", SH "exec sleep 30\n"},
    {"local.cgi", SH "printf 'Location: /static.txt\\r\\n\\r\\nignored'\n"},
    {"local_env.cgi", SH "printf 'Location: /cgi-bin/env.cgi?x=1\\n\\n'\n"},
    {"loop.cgi", SH "printf 'Location: /cgi-bin/loop.cgi\\r\\n\\r\\n'\n"},
    {"early.cgi", SH "printf 'Content-Type: text/plain\\r\\n\\r\\n'\n"
                     "exec cat\n"},
    {"hang_after.cgi", SH CT "printf 'partial'\nexec sleep 30\n"},
    {"garbage.cgi", SH "printf 'no colon here\\r\\n\\r\\nbody'\n"},
    {"silent.cgi", SH "exit 0\n"},
    {"split.cgi",
     SH "printf 'Status: 200 OK\\rX-Injected: 1\\r\\n\\r\\nbody'\n"},
    {"fds.cgi",
     "#!/usr/bin/python3\nimport os\nfds = []\n"
     "for fd in range(1024):\n    try:\n        os.fstat(fd)\n"
     "        fds.append(str(fd))\n    except OSError:\n"
     "        pass\n"
     "print('Content-Type: text/plain\\r\\n\\r\\n' + ' '.join(fds),"
     " end='')\n"},
};

static int s_requests;  // MG_EV_HTTP_REQUEST events seen

static void handler(struct mg_connection *nc, int ev, void *ev_data) {
  if (ev == MG_EV_HTTP_REQUEST) s_requests++;
  if (s_stream && ev == MG_EV_HTTP_REQUEST_HEAD &&
      mg_vcmp(&((struct http_message *) ev_data)->uri, "/deny") == 0) {
    mg_http_send_error(nc, 403, NULL);  // Answered on the head itself
    return;
  }
  if (ev == MG_EV_HTTP_REQUEST || (s_stream && ev == MG_EV_HTTP_REQUEST_HEAD)) {
    struct http_message *hm = (struct http_message *) ev_data;
    struct mg_serve_http_opts o = s_opts;
    if (mg_vcmp(&hm->uri, "/i/plain.cgi") == 0) {
      o.document_root = s_interp;
      o.cgi_interpreter = "/bin/sh";
      hm->uri.len = 10;  // "/plain.cgi" under that root
      hm->uri.p += 2;
    } else if (hm->uri.len > 3 && memcmp(hm->uri.p, "/a/", 3) == 0) {
      o.global_auth_file = s_auth_file;  // "/a/X" is "/X" behind digest auth
      o.auth_domain = "dom";
      hm->uri.len -= 2;
      hm->uri.p += 2;
    }
    mg_serve_http(nc, hm, o);
  }
}

static int group_setup(void **state) {
  char dir[320], real[MG_HTTP_PATH_MAX];
  size_t i;
  (void) state;
  snprintf(s_tmp, sizeof(s_tmp), "/tmp/mg_cgi_XXXXXX");
  assert_non_null(mkdtemp(s_tmp));
  assert_non_null(realpath(s_tmp, real));
  assert_true(strlen(real) < 200);
  memcpy(s_root, real, strlen(real) + 1);
  snprintf(dir, sizeof(dir), "%s/cgi-bin", s_root);
  assert_int_equal(mkdir(dir, 0755), 0);
  for (i = 0; i < MG_ARRAY_SIZE(s_scripts); i++) {
    write_script(dir, s_scripts[i].name, s_scripts[i].text, 0755);
  }
  write_script(dir, "noexec.cgi", SH CT "echo ran\n", 0644);
  write_script(s_root, "static.txt", "static\n", 0644);
  snprintf(s_interp, sizeof(s_interp), "%s/interp", s_root);
  assert_int_equal(mkdir(s_interp, 0755), 0);
  // No #! line and not executable: only the interpreter can run it.
  write_script(s_interp, "plain.cgi", CT "echo \"via $0\"\n", 0644);
  memset(&s_opts, 0, sizeof(s_opts));
  s_opts.document_root = s_root;
  mg_mgr_init(&s_mgr, NULL);
  s_lc = mg_bind(&s_mgr, "127.0.0.1:0", handler);
  assert_non_null(s_lc);
  mg_set_protocol_http_websocket(s_lc);
  s_port = conn_port(s_lc);
  return 0;
}

static int group_teardown(void **state) {
  char cmd[256];
  (void) state;
  mg_mgr_free(&s_mgr);
  snprintf(cmd, sizeof(cmd), "rm -rf %s", s_tmp);
  assert_int_equal(system(cmd), 0);
  return 0;
}

// ---- Helpers ----------------------------------------------------------------

// True when this process has no child at all, not even a zombie (WNOWAIT:
// the check reaps nothing itself).
static int no_children(void *arg) {
  siginfo_t si;
  (void) arg;
  memset(&si, 0, sizeof(si));
  return waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 &&
         errno == ECHILD;
}

static void assert_no_children(void) {
  assert_true(poll_until(&s_mgr, no_children, NULL, 5));
}

// Sends req on a new connection, reads until one response is complete or
// the server closes. Returns the bytes (MG_MALLOC'd, NUL-terminated).
static char *fetch(const char *req, size_t req_len, size_t cap, size_t *n,
                   int *closed) {
  char *buf = (char *) malloc(cap);
  int fd = raw_connect(s_port);
  assert_non_null(buf);
  raw_send(&s_mgr, fd, req, req_len);
  *n = raw_recv(&s_mgr, fd, buf, cap, 1, closed, 15);
  close(fd);
  return buf;
}

static char *get(const char *req, size_t *n, int *closed) {
  return fetch(req, strlen(req), 1 << 16, n, closed);
}

// Decodes the chunked body after the head of buf into out (cap bytes).
// Returns its length; fails unless the last chunk and final CRLF are there.
static size_t dechunk(const char *buf, size_t n, char *out, size_t cap) {
  const char *p = strstr(buf, "\r\n\r\n"), *end = buf + n;
  size_t len = 0, sz;
  char *e;
  assert_non_null(p);
  for (p += 4;;) {
    sz = (size_t) strtoul(p, &e, 16);
    assert_true(e > p && e + 2 <= end && memcmp(e, "\r\n", 2) == 0);
    p = e + 2;
    if (sz == 0) break;
    assert_true(p + sz + 2 <= end && len + sz <= cap);
    memcpy(out + len, p, sz);
    len += sz;
    p += sz;
    assert_memory_equal(p, "\r\n", 2);
    p += 2;
  }
  assert_true(p + 2 == end && memcmp(p, "\r\n", 2) == 0);
  return len;
}

// The value of NAME in `env` output (lines "NAME=value"), or NULL.
static const char *env_get(const char *body, const char *name, char *v,
                           size_t cap) {
  size_t nl = strlen(name);
  const char *p = body, *eol;
  for (; p != NULL && *p != '\0'; p = eol == NULL ? NULL : eol + 1) {
    eol = strchr(p, '\n');
    if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
      size_t len =
          eol == NULL ? strlen(p + nl + 1) : (size_t) (eol - p - nl - 1);
      assert_true(len < cap);
      memcpy(v, p + nl + 1, len);
      v[len] = '\0';
      return v;
    }
  }
  return NULL;
}

static void assert_env(const char *body, const char *name, const char *want) {
  char v[1024];
  const char *got = env_get(body, name, v, sizeof(v));
  if (got == NULL) fail_msg("%s is not set", name);
  if (strcmp(got, want) != 0) fail_msg("%s=%s, want %s", name, got, want);
}

static void assert_no_env(const char *body, const char *name) {
  char v[1024];
  if (env_get(body, name, v, sizeof(v)) != NULL) {
    fail_msg("%s is set: %s", name, v);
  }
}

// ---- Tests ------------------------------------------------------------------

static void test_cgi_env_has_rfc3875_variables(void **state) {
  const char *req =
      "GET /cgi-bin/env.cgi/extra/p%20ath?a=1&b=%20 HTTP/1.1\r\n"
      "Host: example.test:8080\r\n"
      "X-Multi: one\r\nX-Multi: two\r\nX_Under: sneaky\r\n"
      "Proxy: http://evil.test/\r\n"
      "Authorization: Basic dXNlcjpwYXNz\r\n"
      "Cookie: a=1\r\nCookie: b=2\r\n\r\n";
  char *buf, body[32768], want[512], port[16];
  size_t n, len;
  int closed;
  (void) state;
  buf = get(req, &n, &closed);
  assert_true(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
  assert_non_null(strstr(buf, "\r\nTransfer-Encoding: chunked\r\n"));
  assert_non_null(strstr(buf, "\r\nContent-Type: text/plain\r\n"));
  len = dechunk(buf, n, body, sizeof(body) - 1);
  body[len] = '\0';
  snprintf(port, sizeof(port), "%d", s_port);
  assert_env(body, "GATEWAY_INTERFACE", "CGI/1.1");
  assert_env(body, "SERVER_PROTOCOL", "HTTP/1.1");
  assert_env(body, "SERVER_SOFTWARE", "Mongoose/" MG_VERSION);
  assert_env(body, "SERVER_NAME", "example.test");
  assert_env(body, "SERVER_PORT", port);
  assert_env(body, "REQUEST_METHOD", "GET");
  assert_env(body, "SCRIPT_NAME", "/cgi-bin/env.cgi");
  assert_env(body, "PATH_INFO", "/extra/p ath");
  snprintf(want, sizeof(want), "%s/extra/p ath", s_root);
  assert_env(body, "PATH_TRANSLATED", want);
  snprintf(want, sizeof(want), "%s/cgi-bin/env.cgi", s_root);
  assert_env(body, "SCRIPT_FILENAME", want);
  assert_env(body, "DOCUMENT_ROOT", s_root);
  assert_env(body, "QUERY_STRING", "a=1&b=%20");
  assert_env(body, "REQUEST_URI", "/cgi-bin/env.cgi/extra/p%20ath?a=1&b=%20");
  assert_env(body, "REMOTE_ADDR", "127.0.0.1");
  assert_env(body, "REMOTE_HOST", "127.0.0.1");
  assert_env(body, "SERVER_ADDR", "127.0.0.1");
  assert_env(body, "AUTH_TYPE", "Basic");
  assert_env(body, "REMOTE_USER", "user");
  assert_env(body, "HTTP_HOST", "example.test:8080");
  assert_env(body, "HTTP_X_MULTI", "one, two");
  assert_env(body, "HTTP_COOKIE", "a=1; b=2");
  assert_no_env(body, "HTTP_AUTHORIZATION");
  assert_no_env(body, "HTTP_PROXY");
  assert_no_env(body, "HTTP_X_UNDER");
  assert_no_env(body, "CONTENT_LENGTH");
  assert_no_env(body, "CONTENT_TYPE");
  assert_no_env(body, "HOME");  // The server's own environment stays out
  free(buf);
  assert_no_children();
}

static void test_cgi_post_env_has_content_length_and_type(void **state) {
  const char *req =
      "POST /cgi-bin/env.cgi HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/x-www-form-urlencoded\r\n"
      "Content-Length: 7\r\n\r\nx=1&y=2";
  char *buf, body[32768];
  size_t n, len;
  int closed;
  (void) state;
  buf = get(req, &n, &closed);
  assert_true(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
  len = dechunk(buf, n, body, sizeof(body) - 1);
  body[len] = '\0';
  assert_env(body, "REQUEST_METHOD", "POST");
  assert_env(body, "CONTENT_LENGTH", "7");
  assert_env(body, "CONTENT_TYPE", "application/x-www-form-urlencoded");
  assert_env(body, "SERVER_NAME", "127.0.0.1");
  assert_env(body, "QUERY_STRING", "");
  assert_no_env(body, "PATH_INFO");
  assert_no_env(body, "PATH_TRANSLATED");
  assert_no_env(body, "AUTH_TYPE");
  free(buf);
  assert_no_children();
}

static void test_cgi_status_field_sets_the_status(void **state) {
  size_t n;
  int closed;
  char *buf =
      get("GET /cgi-bin/status.cgi HTTP/1.1\r\nHost: t\r\n\r\n", &n, &closed);
  (void) state;
  assert_true(strncmp(buf, "HTTP/1.1 404 Not Here\r\n", 23) == 0);
  assert_null(strstr(buf, "Status:"));
  assert_non_null(strstr(buf, "\r\n\r\n7\r\nmissing\r\n0\r\n\r\n"));
  free(buf);
  assert_no_children();
}

static void test_cgi_location_alone_is_302(void **state) {
  size_t n;
  int closed;
  char *buf =
      get("GET /cgi-bin/redirect.cgi HTTP/1.1\r\nHost: t\r\n\r\n", &n, &closed);
  (void) state;
  assert_true(strncmp(buf, "HTTP/1.1 302 Found\r\n", 20) == 0);
  assert_non_null(strstr(buf, "\r\nLocation: http://example.test/x\r\n"));
  free(buf);
  assert_no_children();
}

static void test_cgi_no_length_is_chunked_for_http11(void **state) {
  size_t n, len;
  int closed;
  char body[64];
  char *buf =
      get("GET /cgi-bin/nolen.cgi HTTP/1.1\r\nHost: t\r\n\r\n", &n, &closed);
  (void) state;
  assert_true(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
  assert_null(strstr(buf, "Content-Length"));
  len = dechunk(buf, n, body, sizeof(body));
  assert_int_equal(len, 11);
  assert_memory_equal(body, "hello world", 11);
  assert_false(closed);  // Keep-alive: the server did not close
  free(buf);
  assert_no_children();
}

static void test_cgi_no_length_is_close_delimited_for_http10(void **state) {
  size_t n;
  int closed;
  char *buf = get("GET /cgi-bin/nolen.cgi HTTP/1.0\r\n\r\n", &n, &closed);
  const char *body;
  (void) state;
  assert_true(closed);
  assert_true(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
  assert_null(strstr(buf, "Transfer-Encoding"));
  assert_null(strstr(buf, "Content-Length"));
  assert_non_null(strstr(buf, "\r\nConnection: close\r\n"));
  body = strstr(buf, "\r\n\r\n");
  assert_non_null(body);
  assert_string_equal(body + 4, "hello world");
  free(buf);
  assert_no_children();
}

static void test_cgi_content_length_keeps_the_connection(void **state) {
  const char *req =
      "GET /cgi-bin/len.cgi HTTP/1.1\r\nHost: t\r\n\r\n"
      "GET /cgi-bin/len.cgi HTTP/1.1\r\nHost: t\r\n\r\n"
      "GET /static.txt HTTP/1.1\r\nHost: t\r\n\r\n";
  const char *one =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
      "Content-Length: 5\r\n\r\nhello";
  char buf[4096];
  int fd = raw_connect(s_port), closed;
  size_t n;
  (void) state;
  raw_sends(&s_mgr, fd, req);  // Pipelined: answered in order
  n = raw_recv(&s_mgr, fd, buf, sizeof(buf), 3, &closed, 15);
  assert_false(closed);
  assert_true(n > 2 * strlen(one));
  assert_memory_equal(buf, one, strlen(one));
  assert_memory_equal(buf + strlen(one), one, strlen(one));
  assert_true(strncmp(buf + 2 * strlen(one), "HTTP/1.1 200 OK\r\n", 17) == 0);
  assert_non_null(strstr(buf + 2 * strlen(one), "\r\n\r\nstatic\n"));
  close(fd);
  assert_no_children();
}

static void test_cgi_head_gets_no_body(void **state) {
  char buf[1024];
  int fd = raw_connect(s_port), closed;
  (void) state;
  raw_sends(&s_mgr, fd, "HEAD /cgi-bin/len.cgi HTTP/1.1\r\nHost: t\r\n\r\n");
  raw_recv(&s_mgr, fd, buf, sizeof(buf), 0, &closed, 1);
  close(fd);
  assert_string_equal(buf,
                      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                      "Content-Length: 5\r\n\r\n");
  assert_no_children();
}

static void test_cgi_short_body_cuts_the_connection(void **state) {
  size_t n;
  int closed;
  char *buf =
      get("GET /cgi-bin/short.cgi HTTP/1.1\r\nHost: t\r\n\r\n", &n, &closed);
  const char *body = strstr(buf, "\r\n\r\n");
  (void) state;
  assert_true(closed);
  assert_non_null(strstr(buf, "\r\nContent-Length: 10\r\n"));
  assert_non_null(body);
  assert_string_equal(body + 4, "abc");
  free(buf);
  assert_no_children();
}

static void test_cgi_post_1mib_body_reaches_stdin_intact(void **state) {
  size_t head, i, n, len, cap = 3 * BIG_SIZE;
  char *req = (char *) malloc(BIG_SIZE + 256), *buf, *out;
  int closed;
  (void) state;
  assert_non_null(req);
  head = (size_t) snprintf(req, 256,
                           "POST /cgi-bin/cat.cgi HTTP/1.1\r\nHost: t\r\n"
                           "Content-Length: %d\r\n\r\n",
                           BIG_SIZE);
  for (i = 0; i < BIG_SIZE; i++) {
    req[head + i] = (char) ((i * 7) ^ (i >> 8) ^ (i >> 16));
  }
  buf = fetch(req, head + BIG_SIZE, cap, &n, &closed);
  assert_true(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
  out = (char *) malloc(BIG_SIZE);
  assert_non_null(out);
  len = dechunk(buf, n, out, BIG_SIZE);
  assert_int_equal(len, BIG_SIZE);
  assert_memory_equal(out, req + head, BIG_SIZE);
  free(out);
  free(buf);
  free(req);
  assert_no_children();
}

static void test_cgi_silent_script_is_killed_with_504(void **state) {
  size_t n;
  int closed;
  double t0 = mg_time(), dt;
  char *buf =
      get("GET /cgi-bin/hang.cgi HTTP/1.1\r\nHost: t\r\n\r\n", &n, &closed);
  (void) state;
  dt = mg_time() - t0;
  assert_true(strncmp(buf, "HTTP/1.1 504 Gateway Timeout\r\n", 30) == 0);
  assert_true(dt >= MG_CGI_TIMEOUT - 0.5 && dt < MG_CGI_TIMEOUT + 5);
  free(buf);
  assert_no_children();
}

static void test_cgi_silent_after_head_is_cut(void **state) {
  size_t n;
  int closed;
  char *buf = get("GET /cgi-bin/hang_after.cgi HTTP/1.1\r\nHost: t\r\n\r\n", &n,
                  &closed);
  (void) state;
  // The head and the first chunk, then the close: no last chunk.
  assert_true(closed);
  assert_true(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
  assert_non_null(strstr(buf, "\r\n\r\n7\r\npartial\r\n"));
  assert_null(strstr(buf, "0\r\n\r\n"));
  free(buf);
  assert_no_children();
}

// The client resets the connection while the script runs: the script is
// killed at once, well before its silence timeout.
static void test_cgi_client_gone_kills_the_script(void **state) {
  struct linger lg = {1, 0};
  int fd = raw_connect(s_port), i;
  double t0;
  (void) state;
  raw_sends(&s_mgr, fd, "GET /cgi-bin/hang.cgi HTTP/1.1\r\nHost: t\r\n\r\n");
  for (i = 0; i < 20; i++) mg_mgr_poll(&s_mgr, 5);
  assert_false(no_children(NULL));  // It runs
  assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
  close(fd);  // RST
  t0 = mg_time();
  assert_true(poll_until(&s_mgr, no_children, NULL, 5));
  assert_true(mg_time() - t0 < MG_CGI_TIMEOUT - 0.5);
}

static void test_cgi_client_close_after_head_kills_the_script(void **state) {
  char buf[1024];
  int fd = raw_connect(s_port), closed;
  double t0;
  (void) state;
  raw_sends(&s_mgr, fd,
            "GET /cgi-bin/hang_after.cgi HTTP/1.1\r\nHost: t\r\n\r\n");
  raw_recv(&s_mgr, fd, buf, sizeof(buf), 0, &closed, 0.5);
  assert_non_null(strstr(buf, "partial"));
  close(fd);
  t0 = mg_time();
  assert_true(poll_until(&s_mgr, no_children, NULL, 5));
  assert_true(mg_time() - t0 < MG_CGI_TIMEOUT - 0.5);
}

// Descriptors of the server (listener, clients, a file open without
// O_CLOEXEC) never reach the script: it has 0, 1 and 2 only.
static void test_cgi_child_gets_only_stdio(void **state) {
  size_t n;
  int closed, leak = open("/dev/null", O_RDONLY);
  char *buf;
  (void) state;
  assert_true(leak > 2);
  buf = get("GET /cgi-bin/fds.cgi HTTP/1.1\r\nHost: t\r\n\r\n", &n, &closed);
  assert_true(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
  assert_non_null(strstr(buf, "\r\n\r\n5\r\n0 1 2\r\n0\r\n\r\n"));
  close(leak);
  free(buf);
  assert_no_children();
}

static void test_cgi_bad_header_block_is_502(void **state) {
  size_t n;
  int closed;
  char *buf =
      get("GET /cgi-bin/garbage.cgi HTTP/1.1\r\nHost: t\r\n\r\n", &n, &closed);
  (void) state;
  assert_true(strncmp(buf, "HTTP/1.1 502 Bad Gateway\r\n", 26) == 0);
  free(buf);
  buf = get("GET /cgi-bin/silent.cgi HTTP/1.1\r\nHost: t\r\n\r\n", &n, &closed);
  assert_true(strncmp(buf, "HTTP/1.1 502 Bad Gateway\r\n", 26) == 0);
  free(buf);
  buf = get("GET /cgi-bin/split.cgi HTTP/1.1\r\nHost: t\r\n\r\n", &n, &closed);
  assert_true(strncmp(buf, "HTTP/1.1 502 Bad Gateway\r\n", 26) == 0);
  assert_null(strstr(buf, "X-Injected"));
  free(buf);
  assert_no_children();
}

static void test_cgi_not_executable_is_500(void **state) {
  size_t n;
  int closed;
  char *buf =
      get("GET /cgi-bin/noexec.cgi HTTP/1.1\r\nHost: t\r\n\r\n", &n, &closed);
  (void) state;
  assert_true(strncmp(buf, "HTTP/1.1 500 Internal Server Error\r\n", 36) == 0);
  assert_non_null(strstr(buf, "CGI: cannot run the script\n"));
  assert_null(strstr(buf, "\nran\n"));
  free(buf);
  assert_no_children();
}

static void test_cgi_interpreter_runs_the_script(void **state) {
  size_t n;
  int closed;
  char *buf = get("GET /i/plain.cgi HTTP/1.1\r\nHost: t\r\n\r\n", &n, &closed),
       want[600];
  (void) state;
  assert_true(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
  snprintf(want, sizeof(want), "via %s/plain.cgi\n", s_interp);
  assert_non_null(strstr(buf, want));
  free(buf);
  assert_no_children();
}

static void test_cgi_other_files_keep_static_rules(void **state) {
  size_t n;
  int closed;
  char *buf = get("GET /static.txt HTTP/1.1\r\nHost: t\r\n\r\n", &n, &closed);
  (void) state;
  assert_non_null(strstr(buf, "\r\n\r\nstatic\n"));
  free(buf);
  buf = get("POST /static.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n",
            &n, &closed);
  assert_true(strncmp(buf, "HTTP/1.1 405 ", 13) == 0);
  free(buf);
  buf = get("GET /static.txt/x HTTP/1.1\r\nHost: t\r\n\r\n", &n, &closed);
  assert_true(strncmp(buf, "HTTP/1.1 404 ", 13) == 0);
  free(buf);
  assert_no_children();
}

// The server side of the test's connection (the newest accepted one).
static struct mg_connection *server_conn(void) {
  struct mg_connection *c, *found = NULL;
  for (c = mg_next(&s_mgr, NULL); c != NULL; c = mg_next(&s_mgr, c)) {
    if (c->listener == s_lc) found = c;
  }
  return found;
}

// MG_EV_HTTP_REQUEST_HEAD: the script starts on the head and answers
// while the body is still coming (it echoes what it has read); the client
// got "100 Continue" first. The rest of the body then follows.
static void test_cgi_stream_starts_before_body_ends(void **state) {
  static char body[200000], buf[1 << 19], out[sizeof(body)];
  size_t i, n = 0, len, head;
  int fd, closed = 0;
  double deadline;
  char req[256];
  (void) state;
  for (i = 0; i < sizeof(body); i++) body[i] = (char) ('a' + i % 23);
  s_stream = 1;
  fd = raw_connect(s_port);
  head = (size_t) snprintf(req, sizeof(req),
                           "POST /cgi-bin/early.cgi HTTP/1.1\r\nHost: t\r\n"
                           "Expect: 100-continue\r\nContent-Length: %d\r\n\r\n",
                           (int) sizeof(body));
  raw_send(&s_mgr, fd, req, head);
  n = raw_recv(&s_mgr, fd, buf, sizeof(buf), 1, &closed, 5);
  assert_true(n >= 25 &&
              strncmp(buf, "HTTP/1.1 100 Continue\r\n\r\n", 25) == 0);
  raw_send(&s_mgr, fd, body, 1000);
  // The response head and the first 1000 bytes come back before the rest
  // of the body is sent.
  deadline = mg_time() + 10;
  n = 0;
  while (mg_time() < deadline && n + 1 < sizeof(buf)) {
    ssize_t k;
    mg_mgr_poll(&s_mgr, 1);
    k = recv(fd, buf + n, sizeof(buf) - 1 - n, 0);
    if (k > 0) n += (size_t) k;
    buf[n] = '\0';
    if (strstr(buf, "HTTP/1.1 200 OK") != NULL &&
        memmem(buf, n, body + 980, 20) != NULL) {  // The last bytes sent
      break;
    }
  }
  assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
  assert_non_null(strstr(buf, "Transfer-Encoding: chunked"));
  assert_true(memmem(buf, n, body + 980, 20) != NULL);
  raw_send(&s_mgr, fd, body + 1000, sizeof(body) - 1000);
  n += raw_recv(&s_mgr, fd, buf + n, sizeof(buf) - n, 0, &closed, 0.5);
  deadline = mg_time() + 10;
  while (mg_time() < deadline &&
         (n < 5 || memcmp(buf + n - 5, "0\r\n\r\n", 5) != 0)) {
    n += raw_recv(&s_mgr, fd, buf + n, sizeof(buf) - n, 0, &closed, 0.2);
  }
  len = dechunk(buf + 25, n - 25, out, sizeof(out));
  assert_int_equal(len, sizeof(body));
  assert_memory_equal(out, body, sizeof(body));
  // The connection stays usable for the next request.
  raw_sends(&s_mgr, fd, "GET /cgi-bin/len.cgi HTTP/1.1\r\nHost: t\r\n\r\n");
  n = raw_recv(&s_mgr, fd, buf, sizeof(buf), 1, &closed, 10);
  assert_true(n > 17 && strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
  assert_true(memcmp(buf + n - 5, "hello", 5) == 0);
  close(fd);
  s_stream = 0;
  assert_no_children();
}

// A body over MG_MAX_HTTP_BODY_SIZE gets 413 when buffered, and reaches
// the script intact when streamed, with the server's receive buffer held
// to 64 KiB while it flows. A non-CGI request on the head event gets one
// answer, once its body is in.
static void test_cgi_stream_body_over_the_buffer_limit(void **state) {
  size_t big = MG_MAX_HTTP_BODY_SIZE + 1024 * 1024, head, i, n = 0, sent;
  size_t max_recv = 0, len;
  char *req = (char *) malloc(big + 256), *buf = (char *) malloc(2 * big);
  char *out = (char *) malloc(big);
  struct mg_connection *c;
  double deadline;
  int fd, closed = 0;
  (void) state;
  assert_non_null(req);
  assert_non_null(buf);
  assert_non_null(out);
  head = (size_t) snprintf(req, 256,
                           "POST /cgi-bin/cat.cgi HTTP/1.1\r\nHost: t\r\n"
                           "Content-Length: %lu\r\n\r\n",
                           (unsigned long) big);
  for (i = 0; i < big; i++) req[head + i] = (char) ((i * 7) ^ (i >> 9));
  // Buffered: refused.
  fd = raw_connect(s_port);
  raw_send(&s_mgr, fd, req, head + 10);
  n = raw_recv(&s_mgr, fd, buf, 1 << 16, 1, &closed, 10);
  assert_true(n > 13 && strncmp(buf, "HTTP/1.1 413 ", 13) == 0);
  close(fd);
  // Streamed: the whole body goes through cat and back.
  s_stream = 1;
  fd = raw_connect(s_port);
  sent = 0;
  n = 0;
  deadline = mg_time() + 60;
  while (mg_time() < deadline) {
    ssize_t k;
    if (sent < head + big) {
      k = send(fd, req + sent, head + big - sent, MSG_NOSIGNAL);
      if (k > 0) sent += (size_t) k;
    }
    mg_mgr_poll(&s_mgr, 1);
    if ((c = server_conn()) != NULL && c->recv_mbuf.size > max_recv) {
      max_recv = c->recv_mbuf.size;
    }
    k = recv(fd, buf + n, 2 * big - n, 0);
    if (k > 0) n += (size_t) k;
    if (k == 0) break;
    if (n >= 5 && memcmp(buf + n - 5, "0\r\n\r\n", 5) == 0) break;
  }
  assert_int_equal(sent, head + big);
  assert_true(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
  len = dechunk(buf, n, out, big);
  assert_int_equal(len, big);
  assert_memory_equal(out, req + head, big);
  assert_true(max_recv <= 64 * 1024);
  close(fd);
  // Not a script: nothing on the head, one 405 once the body is in.
  fd = raw_connect(s_port);
  raw_sends(
      &s_mgr, fd,
      "POST /static.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nab");
  n = raw_recv(&s_mgr, fd, buf, 1 << 16, 1, &closed, 0.3);
  assert_int_equal(n, 0);
  raw_sends(&s_mgr, fd, "cd");
  n = raw_recv(&s_mgr, fd, buf, 1 << 16, 2, &closed, 1);
  assert_true(n > 13 && strncmp(buf, "HTTP/1.1 405 ", 13) == 0);
  assert_null(strstr(buf + 13, "HTTP/1.1 "));
  close(fd);
  s_stream = 0;
  free(req);
  free(buf);
  free(out);
  assert_no_children();
}

// A handler that answers on MG_EV_HTTP_REQUEST_HEAD itself: that is the
// one answer (no MG_EV_HTTP_REQUEST follows when the body comes), and the
// connection closes after it, the body unread.
static void test_cgi_head_event_answered_by_the_handler(void **state) {
  char buf[4096];
  size_t n;
  int fd, closed = 0, before = s_requests;
  (void) state;
  s_stream = 1;
  fd = raw_connect(s_port);
  raw_sends(&s_mgr, fd,
            "POST /deny HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n"
            "12345");
  n = raw_recv(&s_mgr, fd, buf, sizeof(buf), 0, &closed, 3);
  assert_true(closed);
  assert_true(n > 13 && strncmp(buf, "HTTP/1.1 403 ", 13) == 0);
  assert_null(strstr(buf + 13, "HTTP/1.1 "));
  assert_int_equal(s_requests, before);
  close(fd);
  s_stream = 0;
}

// RFC 3875 6.2.2: a lone local Location is served internally: the client
// gets the file (not a 302, and not the script's body); a POST becomes a
// GET of the new URI with the same fields; a loop ends with 500.
static void test_cgi_local_redirect_is_served_internally(void **state) {
  char *buf, body[32768];
  size_t n, len;
  int closed;
  (void) state;
  buf = get("GET /cgi-bin/local.cgi HTTP/1.1\r\nHost: t\r\n\r\n", &n, &closed);
  assert_true(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
  assert_true(n > 7 && memcmp(buf + n - 7, "static\n", 7) == 0);
  assert_null(strstr(buf, "ignored"));
  free(buf);
  buf =
      get("POST /cgi-bin/local_env.cgi HTTP/1.1\r\nHost: t\r\n"
          "X-Keep: kept\r\nContent-Length: 3\r\n\r\nabc",
          &n, &closed);
  assert_true(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
  len = dechunk(buf, n, body, sizeof(body) - 1);
  body[len] = '\0';
  assert_env(body, "REQUEST_METHOD", "GET");
  assert_env(body, "QUERY_STRING", "x=1");
  assert_env(body, "SCRIPT_NAME", "/cgi-bin/env.cgi");
  assert_env(body, "HTTP_X_KEEP", "kept");
  assert_no_env(body, "CONTENT_LENGTH");
  free(buf);
  buf = get("GET /cgi-bin/loop.cgi HTTP/1.1\r\nHost: t\r\n\r\n", &n, &closed);
  assert_true(strncmp(buf, "HTTP/1.1 500 ", 13) == 0);
  free(buf);
  assert_no_children();
}

// Behind digest auth, the script sees AUTH_TYPE=Digest and REMOTE_USER.
static void test_cgi_digest_auth_sets_remote_user(void **state) {
  char req[1024], auth[512], nonce[64], body[32768], ha1[33], line[96];
  struct mg_str parts[3];
  const char *p, *q;
  char *buf;
  size_t n, len;
  int closed;
  FILE *fp;
  (void) state;
  parts[0] = mg_mk_str("joe"), parts[1] = mg_mk_str("dom");
  parts[2] = mg_mk_str("pw");
  auth_md5_join(ha1, parts, 3);
  snprintf(s_auth_file, sizeof(s_auth_file), "%s/htdigest", s_tmp);
  assert_non_null(fp = fopen(s_auth_file, "w"));
  snprintf(line, sizeof(line), "joe:dom:%s\n", ha1);
  fputs(line, fp);
  fclose(fp);
  buf = get("GET /a/cgi-bin/env.cgi HTTP/1.1\r\nHost: t\r\n\r\n", &n, &closed);
  assert_true(strncmp(buf, "HTTP/1.1 401 ", 13) == 0);
  assert_non_null(p = strstr(buf, "nonce=\""));
  p += 7;
  assert_non_null(q = strchr(p, '"'));
  assert_true((size_t) (q - p) < sizeof(nonce));
  memcpy(nonce, p, (size_t) (q - p));
  nonce[q - p] = '\0';
  free(buf);
  // The handler strips "/a" before mg_serve_http(): the digest covers the
  // URI that the check sees.
  assert_true(mg_http_create_digest_auth_header(auth, sizeof(auth), "GET",
                                                "/cgi-bin/env.cgi", "dom",
                                                "joe", "pw", nonce) > 0);
  snprintf(req, sizeof(req),
           "GET /a/cgi-bin/env.cgi HTTP/1.1\r\nHost: t\r\n%s\r\n\r\n", auth);
  buf = get(req, &n, &closed);
  assert_true(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
  len = dechunk(buf, n, body, sizeof(body) - 1);
  body[len] = '\0';
  assert_env(body, "AUTH_TYPE", "Digest");
  assert_env(body, "REMOTE_USER", "joe");
  assert_no_env(body, "HTTP_AUTHORIZATION");
  free(buf);
  unlink(s_auth_file);
  assert_no_children();
}

#if MG_ENABLE_SSL
#include <sys/wait.h>

struct tls_reply {
  int done;
  char body[32768];
};

static void tls_client(struct mg_connection *nc, int ev, void *ev_data) {
  struct tls_reply *r = (struct tls_reply *) nc->user_data;
  struct http_message *hm = (struct http_message *) ev_data;
  if (ev == MG_EV_HTTP_REPLY) {
    size_t n =
        hm->body.len < sizeof(r->body) - 1 ? hm->body.len : sizeof(r->body) - 1;
    memcpy(r->body, hm->body.p, n);
    r->body[n] = '\0';
    r->done = 1;
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  } else if (ev == MG_EV_CLOSE && !r->done) {
    r->done = -1;
  }
}

static int tls_done(void *arg) {
  return ((struct tls_reply *) arg)->done != 0;
}

// Over TLS the script sees HTTPS=on (certificates from test/tls_certs.sh).
static void test_cgi_https_is_on_over_tls(void **state) {
  static struct tls_reply r;
  char dir[128], cert[160], key[160], ca[160], url[96], cmd[200];
  struct mg_bind_opts bo;
  struct mg_connect_opts co;
  struct mg_connection *lc, *c;
  pid_t pid;
  int st = 0;
  (void) state;
  snprintf(dir, sizeof(dir), "%s/certs", s_tmp);
  assert_int_equal(mkdir(dir, 0755), 0);
  fflush(NULL);
  if ((pid = fork()) == 0) {
    execl("/bin/sh", "sh", "test/tls_certs.sh", dir, (char *) NULL);
    _exit(127);
  }
  assert_int_equal(waitpid(pid, &st, 0), pid);
  assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  snprintf(cert, sizeof(cert), "%s/server.pem", dir);
  snprintf(key, sizeof(key), "%s/server.key", dir);
  snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
  memset(&bo, 0, sizeof(bo));
  bo.ssl_cert = cert;
  bo.ssl_key = key;
  assert_non_null(lc = mg_bind_opt(&s_mgr, "127.0.0.1:0", handler, bo));
  mg_set_protocol_http_websocket(lc);
  memset(&co, 0, sizeof(co));
  co.ssl_ca_cert = ca;
  co.user_data = &r;
  snprintf(url, sizeof(url), "https://127.0.0.1:%d/cgi-bin/env.cgi",
           conn_port(lc));
  memset(&r, 0, sizeof(r));
  assert_non_null(
      c = mg_connect_http_opt(&s_mgr, tls_client, co, url, NULL, NULL));
  assert_true(poll_until(&s_mgr, tls_done, &r, 10));
  assert_int_equal(r.done, 1);
  assert_env(r.body, "HTTPS", "on");
  snprintf(cmd, sizeof(cmd), "%d", conn_port(lc));
  assert_env(r.body, "SERVER_PORT", cmd);
  lc->flags |= MG_F_CLOSE_IMMEDIATELY;
  mg_mgr_poll(&s_mgr, 1);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
  assert_no_children();
}
#endif

// True when this process has a child (WNOWAIT: nothing is reaped).
static int has_child(void *arg) {
  return !no_children(arg);
}

// mg_mgr_free() while a script runs (and its client waits): the script is
// killed and reaped before it returns.
static void test_cgi_mgr_free_kills_a_running_script(void **state) {
  struct mg_mgr mgr;
  struct mg_connection *lc;
  int fd;
  (void) state;
  mg_mgr_init(&mgr, NULL);
  assert_non_null(lc = mg_bind(&mgr, "127.0.0.1:0", handler));
  mg_set_protocol_http_websocket(lc);
  fd = raw_connect(conn_port(lc));
  raw_sends(&mgr, fd, "GET /cgi-bin/hang.cgi HTTP/1.1\r\nHost: t\r\n\r\n");
  assert_true(poll_until(&mgr, has_child, NULL, 5));
  mg_mgr_free(&mgr);
  assert_true(no_children(NULL));
  close(fd);
}

// REMOTE_PORT is the client's port; without a Host header (HTTP/1.0)
// SERVER_NAME is the server's address. A streamed body's CONTENT_LENGTH
// is the declared length, though the script starts before it arrives.
static void test_cgi_env_remote_port_no_host_and_streamed_length(void **state) {
  struct sockaddr_in sin;
  socklen_t sl = sizeof(sin);
  char buf[32768], want[16];
  const char *body;
  size_t n;
  int fd, closed = 0;
  (void) state;
  fd = raw_connect(s_port);
  assert_int_equal(getsockname(fd, (struct sockaddr *) &sin, &sl), 0);
  snprintf(want, sizeof(want), "%d", ntohs(sin.sin_port));
  raw_sends(&s_mgr, fd, "GET /cgi-bin/env.cgi HTTP/1.0\r\n\r\n");
  n = raw_recv(&s_mgr, fd, buf, sizeof(buf), 0, &closed, 10);
  close(fd);
  assert_true(closed && n > 0);
  assert_non_null(body = strstr(buf, "\r\n\r\n"));
  assert_env(body, "REMOTE_PORT", want);
  assert_env(body, "SERVER_NAME", "127.0.0.1");
  assert_env(body, "SERVER_PROTOCOL", "HTTP/1.0");
  s_stream = 1;
  fd = raw_connect(s_port);
  raw_sends(&s_mgr, fd,
            "POST /cgi-bin/env.cgi HTTP/1.0\r\nContent-Length: 100000\r\n"
            "Content-Type: text/plain\r\n\r\nfirst bytes");
  n = raw_recv(&s_mgr, fd, buf, sizeof(buf), 0, &closed, 10);
  close(fd);
  s_stream = 0;
  assert_true(closed && n > 0);
  assert_non_null(body = strstr(buf, "\r\n\r\n"));
  assert_env(body, "CONTENT_LENGTH", "100000");
  assert_env(body, "CONTENT_TYPE", "text/plain");
  assert_no_children();
}

// Streamed to a script that answers without reading its stdin: the rest
// of the body is read and dropped, the answer is whole, and the next
// request on the connection is served.
static void test_cgi_stream_to_a_script_that_does_not_read(void **state) {
  size_t big = 3 * 1024 * 1024, head, sent = 0, n = 0;
  char *req = (char *) malloc(big + 256), buf[4096];
  double deadline = mg_time() + 30;
  int fd, closed = 0;
  (void) state;
  assert_non_null(req);
  head = (size_t) snprintf(req, 256,
                           "POST /cgi-bin/len.cgi HTTP/1.1\r\nHost: t\r\n"
                           "Content-Length: %lu\r\n\r\n",
                           (unsigned long) big);
  memset(req + head, 'x', big);
  s_stream = 1;
  fd = raw_connect(s_port);
  while (mg_time() < deadline &&
         (sent < head + big || n < 5 || memcmp(buf + n - 5, "hello", 5) != 0)) {
    ssize_t k;
    if (sent < head + big) {
      k = send(fd, req + sent, head + big - sent, MSG_NOSIGNAL);
      if (k > 0) sent += (size_t) k;
    }
    mg_mgr_poll(&s_mgr, 1);
    k = recv(fd, buf + n, sizeof(buf) - 1 - n, 0);
    if (k > 0) n += (size_t) k;
    buf[n] = '\0';
  }
  assert_int_equal(sent, head + big);
  assert_true(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
  assert_true(n >= 5 && memcmp(buf + n - 5, "hello", 5) == 0);
  raw_sends(&s_mgr, fd, "GET /cgi-bin/len.cgi HTTP/1.1\r\nHost: t\r\n\r\n");
  n = raw_recv(&s_mgr, fd, buf, sizeof(buf), 1, &closed, 10);
  assert_true(n > 17 && strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
  close(fd);
  s_stream = 0;
  free(req);
  assert_no_children();
}

// A client that goes away in the middle of a streamed body: the script is
// killed and reaped.
static void test_cgi_stream_client_gone_kills_the_script(void **state) {
  static const char req[] =
      "POST /cgi-bin/cat.cgi HTTP/1.1\r\nHost: t\r\n"
      "Content-Length: 1000000\r\n\r\nsome of it";
  int fd;
  double deadline;
  (void) state;
  s_stream = 1;
  fd = raw_connect(s_port);
  raw_sends(&s_mgr, fd, req);
  deadline = mg_time() + 1;
  while (mg_time() < deadline) mg_mgr_poll(&s_mgr, 10);
  close(fd);
  s_stream = 0;
  assert_no_children();
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_cgi_env_has_rfc3875_variables),
    cmocka_unit_test(test_cgi_post_env_has_content_length_and_type),
    cmocka_unit_test(test_cgi_status_field_sets_the_status),
    cmocka_unit_test(test_cgi_location_alone_is_302),
    cmocka_unit_test(test_cgi_no_length_is_chunked_for_http11),
    cmocka_unit_test(test_cgi_no_length_is_close_delimited_for_http10),
    cmocka_unit_test(test_cgi_content_length_keeps_the_connection),
    cmocka_unit_test(test_cgi_head_gets_no_body),
    cmocka_unit_test(test_cgi_short_body_cuts_the_connection),
    cmocka_unit_test(test_cgi_post_1mib_body_reaches_stdin_intact),
    cmocka_unit_test(test_cgi_silent_script_is_killed_with_504),
    cmocka_unit_test(test_cgi_silent_after_head_is_cut),
    cmocka_unit_test(test_cgi_client_gone_kills_the_script),
    cmocka_unit_test(test_cgi_client_close_after_head_kills_the_script),
    cmocka_unit_test(test_cgi_child_gets_only_stdio),
    cmocka_unit_test(test_cgi_bad_header_block_is_502),
    cmocka_unit_test(test_cgi_not_executable_is_500),
    cmocka_unit_test(test_cgi_interpreter_runs_the_script),
    cmocka_unit_test(test_cgi_other_files_keep_static_rules),
    cmocka_unit_test(test_cgi_stream_starts_before_body_ends),
    cmocka_unit_test(test_cgi_stream_body_over_the_buffer_limit),
    cmocka_unit_test(test_cgi_stream_to_a_script_that_does_not_read),
    cmocka_unit_test(test_cgi_env_remote_port_no_host_and_streamed_length),
    cmocka_unit_test(test_cgi_local_redirect_is_served_internally),
    cmocka_unit_test(test_cgi_head_event_answered_by_the_handler),
    cmocka_unit_test(test_cgi_mgr_free_kills_a_running_script),
    cmocka_unit_test(test_cgi_digest_auth_sets_remote_user),
#if MG_ENABLE_SSL
    cmocka_unit_test(test_cgi_https_is_on_over_tls),
#endif
    cmocka_unit_test(test_cgi_stream_client_gone_kills_the_script),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
