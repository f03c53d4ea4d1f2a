// Interop tests: real HTTP peers that we did not write (curl, python3-h11,
// ab, h2load) against our server. The server runs in this process; each
// peer is forked, polled for with a deadline and ended by its PID.
#include "net_util.h"  // First: mongoose.h sets the feature macros

#include <sys/wait.h>

#define PEER_SECONDS 30.0  // Longest any peer may run
#define BIG_SIZE (256 * 1024 + 17)     // A static file larger than a window
#define UPLOAD_SIZE (300 * 1024 + 5)   // Uploaded (chunked and multipart)
#define REALM "mg-interop"
#define HELLO_BODY "Hello, world\n"  // 13 bytes, from the /hello handler

// The scratch directory: root/ is served; uploads/ receives uploads.
static char s_dir[64];
static char s_root[128];
static char s_uploads[128];
static char s_htdigest[128];
static char s_upload_src[128];  // The file that curl uploads
static unsigned char *s_big;    // Contents of root/big.bin
static unsigned char *s_upload; // Contents of s_upload_src
static const char s_hello_file[] = "A small static file for interop tests.\n";
static time_t s_hello_mtime;    // Set on root/hello.txt, an hour ago

// What a test allocated, freed by teardown_test() even when the test
// failed half-way: the running server and the buffers read from files.
static struct mg_mgr *s_live_mgr;
static void *s_garbage[32];
static size_t s_num_garbage;

static void *keep(void *p) {
  assert_true(s_num_garbage < sizeof(s_garbage) / sizeof(s_garbage[0]));
  s_garbage[s_num_garbage++] = p;
  return p;
}

static int teardown_test(void **state) {
  (void) state;
  if (s_live_mgr != NULL) mg_mgr_free(s_live_mgr);
  s_live_mgr = NULL;
  while (s_num_garbage > 0) free(s_garbage[--s_num_garbage]);
  return 0;
}

// ---- Files ------------------------------------------------------------------

static void write_file(const char *path, const void *data, size_t len) {
  FILE *fp = fopen(path, "wb");
  assert_non_null(fp);
  assert_int_equal(fwrite(data, 1, len, fp), len);
  assert_int_equal(fclose(fp), 0);
}

// Reads a whole file into a NUL-terminated buffer that teardown_test()
// frees; NULL if the file is absent.
static char *read_file(const char *path, size_t *len) {
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
  if (len != NULL) *len = n;
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
  return p;
}

static void md5_hex(const void *data, size_t len, char out[33]) {
  const uint8_t *msgs[1];
  size_t lens[1];
  uint8_t d[16];
  int i;
  msgs[0] = (const uint8_t *) data;
  lens[0] = len;
  mg_hash_md5_v(1, msgs, lens, d);
  for (i = 0; i < 16; i++) snprintf(out + i * 2, 3, "%02x", d[i]);
}

// Formats t as an HTTP date (IMF-fixdate).
static void http_date(time_t t, char *buf, size_t len) {
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static void path_join(char *buf, size_t len, const char *dir,
                      const char *name) {
  int n = snprintf(buf, len, "%s/%s", dir, name);
  assert_true(n > 0 && (size_t) n < len);
}

static int setup_files(void **state) {
  char path[256], line[256], ha1[33];
  struct timeval tv[2];
  (void) state;
  snprintf(s_dir, sizeof(s_dir), "/tmp/mg_interop_XXXXXX");
  if (mkdtemp(s_dir) == NULL) return -1;
  path_join(s_root, sizeof(s_root), s_dir, "root");
  path_join(s_uploads, sizeof(s_uploads), s_dir, "uploads");
  path_join(s_htdigest, sizeof(s_htdigest), s_dir, "htdigest");
  path_join(s_upload_src, sizeof(s_upload_src), s_dir, "upload.bin");
  if (mkdir(s_root, 0755) != 0 || mkdir(s_uploads, 0755) != 0) return -1;

  path_join(path, sizeof(path), s_root, "hello.txt");
  write_file(path, s_hello_file, strlen(s_hello_file));
  // An mtime in the past, so that a date after it is not in the future.
  s_hello_mtime = time(NULL) - 3600;
  tv[0].tv_sec = tv[1].tv_sec = s_hello_mtime;
  tv[0].tv_usec = tv[1].tv_usec = 0;
  if (utimes(path, tv) != 0) return -1;

  s_big = make_bytes(BIG_SIZE, 1);
  path_join(path, sizeof(path), s_root, "big.bin");
  write_file(path, s_big, BIG_SIZE);

  path_join(path, sizeof(path), s_root, "small.txt");
  write_file(path, "small static file for ab\n", 25);

  s_upload = make_bytes(UPLOAD_SIZE, 2);
  write_file(s_upload_src, s_upload, UPLOAD_SIZE);

  // htdigest: user:realm:MD5(user:realm:pass)
  md5_hex("user:" REALM ":pass", strlen("user:" REALM ":pass"), ha1);
  snprintf(line, sizeof(line), "user:%s:%s\n", REALM, ha1);
  write_file(s_htdigest, line, strlen(line));
  return 0;
}

// Removes the scratch directory, two levels deep.
static void remove_tree(const char *dir, int depth) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char path[512];
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

static int teardown_files(void **state) {
  (void) state;
  remove_tree(s_dir, 2);
  free(s_big);
  free(s_upload);
  return 0;
}

// ---- The server ---------------------------------------------------------------

struct srv {
  struct mg_mgr mgr;
  struct mg_connection *lc;
  int port;
  char url[64];  // "http://127.0.0.1:PORT"
};

static void main_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  if (ev != MG_EV_HTTP_REQUEST) return;
  if (mg_vcmp(&hm->uri, "/hello") == 0) {
    // As in 6.x, a handler answers HEAD itself: the head without the body.
    mg_send_head(nc, 200, 13, "Content-Type: text/plain");
    if (mg_vcmp(&hm->method, "HEAD") != 0) mg_send(nc, HELLO_BODY, 13);
  } else if (mg_vcmp(&hm->uri, "/nocontent") == 0) {
    mg_send_head(nc, 204, 0, NULL);
  } else if (mg_vcmp(&hm->uri, "/notmodified") == 0) {
    mg_send_head(nc, 304, 0, "ETag: \"x\"");
  } else if (mg_vcmp(&hm->uri, "/chunked") == 0) {
    int i;
    mg_send_head(nc, 200, -1, "Content-Type: text/plain");
    for (i = 0; i < 5; i++) mg_printf_http_chunk(nc, "chunk %d;", i);
    mg_printf_http_chunk(nc, "%s", "");  // Sends nothing: not the end
    mg_printf_http_chunk(nc, "%s", "last");
    mg_send_http_chunk(nc, "", 0);
  } else if (mg_vcmp(&hm->uri, "/error") == 0) {
    mg_http_send_error(nc, 404, NULL);
  } else {
    struct mg_serve_http_opts opts;
    memset(&opts, 0, sizeof(opts));
    opts.document_root = s_root;
    opts.enable_directory_listing = "no";
    mg_serve_http(nc, hm, opts);
  }
}

// /md5: answers "len=<body length> md5=<hex>" for the (de-chunked) body.
static void md5_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  char hex[33], buf[96];
  int n;
  if (ev != MG_EV_HTTP_REQUEST) return;
  md5_hex(hm->body.p, hm->body.len, hex);
  n = snprintf(buf, sizeof(buf), "len=%lu md5=%s", (unsigned long) hm->body.len,
               hex);
  mg_send_head(nc, 200, n, "Content-Type: text/plain");
  mg_send(nc, buf, n);
}

// Stores an upload as uploads/<name>. The string is malloc()ed: as in 6.x,
// mg_file_upload_handler() frees a name that is not the one it passed.
static struct mg_str upload_fname(struct mg_connection *nc,
                                  struct mg_str fname) {
  char *p;
  size_t len = strlen(s_uploads) + 1 + fname.len;
  (void) nc;
  if ((p = (char *) malloc(len + 1)) == NULL) return mg_mk_str_n(NULL, 0);
  snprintf(p, len + 1, "%s/%.*s", s_uploads, (int) fname.len, fname.p);
  return mg_mk_str_n(p, len);
}

static void upload_handler(struct mg_connection *nc, int ev, void *ev_data) {
  mg_file_upload_handler(nc, ev, ev_data, upload_fname);
}

static void secret_handler(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev != MG_EV_HTTP_REQUEST) return;
  mg_send_head(nc, 200, 9, "Content-Type: text/plain");
  mg_send(nc, "secret ok", 9);
}

static struct srv s_srv;

// Starts the server; teardown_test() stops it.
static struct srv *srv_start(void) {
  struct srv *s = &s_srv;
  struct mg_http_endpoint_opts opts;
  assert_null(s_live_mgr);
  memset(s, 0, sizeof(*s));
  mg_mgr_init(&s->mgr, s);
  s_live_mgr = &s->mgr;  // Freed by teardown_test()
  s->lc = mg_bind(&s->mgr, "127.0.0.1:0", main_handler);
  assert_non_null(s->lc);
  mg_set_protocol_http_websocket(s->lc);
  mg_register_http_endpoint(s->lc, "/md5", md5_handler);
  mg_register_http_endpoint(s->lc, "/upload", upload_handler);
  memset(&opts, 0, sizeof(opts));
  opts.auth_domain = REALM;
  opts.auth_file = s_htdigest;
  mg_register_http_endpoint_opt(s->lc, "/secret", secret_handler, opts);
  s->port = conn_port(s->lc);
  snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d", s->port);
  return s;
}

// ---- Peers ----------------------------------------------------------------------

struct run {
  int code;   // Exit code, or 128 + signal
  char *out;  // stdout, NUL-terminated (freed by teardown_test())
  char *err;  // stderr, NUL-terminated (freed by teardown_test())
};

// Skips the test, loudly, when the peer is not installed.
#define REQUIRE_PEER(path, pkg)                                            \
  do {                                                                     \
    if (access((path), X_OK) != 0) {                                       \
      print_message("SKIP: %s is missing; install it with: "               \
                    "apt-get install -y %s\n", (path), (pkg));             \
      skip();                                                              \
    }                                                                      \
  } while (0)

static const char *tail(const char *s, size_t n) {
  size_t len = strlen(s);
  return len > n ? s + len - n : s;
}

// Runs argv (argv[0] an absolute path) with stdout and stderr captured,
// serving s (if not NULL) meanwhile, until it exits or PEER_SECONDS pass (then it is
// killed by its PID and the test fails).
static void run_peer(struct srv *s, const char *const argv[], struct run *r) {
  struct timespec ts = {0, 5000000};
  char out_path[256], err_path[256];
  double deadline = mg_time() + PEER_SECONDS;
  pid_t pid;
  int st = 0, i;
  path_join(out_path, sizeof(out_path), s_dir, "peer.out");
  path_join(err_path, sizeof(err_path), s_dir, "peer.err");
  fflush(NULL);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int in = open("/dev/null", O_RDONLY);
    int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fd;
    if (in < 0 || out < 0 || err < 0) _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    for (fd = 3; fd < 1024; fd++) close(fd);  // Our sockets stay ours
    execv(argv[0], (char *const *) argv);
    _exit(127);
  }
  for (;;) {
    pid_t w;
    if (s != NULL) {
      mg_mgr_poll(&s->mgr, 5);
    } else {
      nanosleep(&ts, NULL);
    }
    w = waitpid(pid, &st, WNOHANG);
    if (w == pid) break;
    assert_true(w == 0);
    if (mg_time() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      fail_msg("%s did not finish within %g s: killed", argv[0],
               PEER_SECONDS);
    }
  }
  // Let the server see the peer's last closes.
  for (i = 0; s != NULL && i < 5; i++) mg_mgr_poll(&s->mgr, 1);
  r->code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r->out = read_file(out_path, NULL);
  r->err = read_file(err_path, NULL);
  assert_non_null(r->out);
  assert_non_null(r->err);
  if (r->code != 0) {  // The ends of the outputs, where the errors are
    printf("%s exited %d\nstdout: %s\nstderr: %s\n", argv[0], r->code,
                  tail(r->out, 3000), tail(r->err, 3000));
  }
}

#define CURL "/usr/bin/curl"
#define NEED_CURL() REQUIRE_PEER(CURL, "curl")

// Common curl options: no ~/.curlrc (-q, which must come first), no proxy
// from the environment, bounded time, quiet but with errors on stderr.
#define CURL_ARGS CURL, "-q", "-sS", "--noproxy", "*", "--max-time", "20"

// Asserts that file `path` holds exactly data[0..len).
static void assert_file_equals(const char *path, const void *data,
                               size_t len) {
  size_t n = 0;
  char *got = read_file(path, &n);
  assert_non_null(got);
  assert_int_equal(n, len);
  assert_memory_equal(got, data, len);
}

// ---- curl ------------------------------------------------------------------------

static void test_curl_get_file_body_matches(void **state) {
  struct srv *s;
  struct run r;
  char url[128], out[256], want[64];
  (void) state;
  NEED_CURL();
  s = srv_start();
  snprintf(url, sizeof(url), "%s/big.bin", s->url);
  path_join(out, sizeof(out), s_dir, "get.out");
  {
    const char *argv[] = {CURL_ARGS, "-o", out, "-w", "%{http_code} %{size_download}",
                          url, NULL};
    run_peer(s, argv, &r);
  }
  assert_int_equal(r.code, 0);
  snprintf(want, sizeof(want), "200 %d", BIG_SIZE);
  assert_string_equal(r.out, want);
  assert_file_equals(out, s_big, BIG_SIZE);
}

// Two HEAD requests on one connection: a body after the first one would
// break the second response.
static void test_curl_head_returns_headers_only(void **state) {
  struct srv *s;
  struct run r;
  char url[128], cl[64];
  const char *second;
  (void) state;
  NEED_CURL();
  s = srv_start();
  snprintf(url, sizeof(url), "%s/hello.txt", s->url);
  {
    const char *argv[] = {CURL_ARGS, "-I", "-w", "connects=%{num_connects}\n",
                          url, url, NULL};
    run_peer(s, argv, &r);
  }
  assert_int_equal(r.code, 0);
  snprintf(cl, sizeof(cl), "Content-Length: %d\r\n",
           (int) strlen(s_hello_file));
  assert_true(strncmp(r.out, "HTTP/1.1 200 ", 13) == 0);
  assert_non_null(strstr(r.out, cl));
  assert_null(strstr(r.out, s_hello_file));
  second = strstr(r.out, "\r\n\r\nconnects=1\nHTTP/1.1 200 ");
  assert_non_null(second);
  assert_non_null(strstr(second, cl));
  assert_non_null(strstr(second, "\r\n\r\nconnects=0\n"));
}

static void test_curl_range_returns_206(void **state) {
  struct srv *s;
  struct run r;
  char url[128], out[256], hdr[256], cr[64];
  char *headers;
  (void) state;
  NEED_CURL();
  s = srv_start();
  snprintf(url, sizeof(url), "%s/big.bin", s->url);
  path_join(out, sizeof(out), s_dir, "range.out");
  path_join(hdr, sizeof(hdr), s_dir, "range.hdr");
  {
    const char *argv[] = {CURL_ARGS, "-r", "10-19", "-D", hdr, "-o", out,
                          "-w", "%{http_code}", url, NULL};
    run_peer(s, argv, &r);
  }
  assert_int_equal(r.code, 0);
  assert_string_equal(r.out, "206");
  assert_file_equals(out, s_big + 10, 10);
  headers = read_file(hdr, NULL);
  assert_non_null(headers);
  snprintf(cr, sizeof(cr), "Content-Range: bytes 10-19/%d\r\n", BIG_SIZE);
  assert_non_null(strcasestr(headers, cr));
  assert_non_null(strcasestr(headers, "Content-Length: 10\r\n"));
}

static void test_curl_if_modified_since_after_mtime_returns_304(void **state) {
  struct srv *s;
  struct run r;
  char url[128], out[256], date[64];
  size_t n = 99;
  char *body;
  (void) state;
  NEED_CURL();
  s = srv_start();
  snprintf(url, sizeof(url), "%s/hello.txt", s->url);
  path_join(out, sizeof(out), s_dir, "ims.out");
  http_date(s_hello_mtime + 60, date, sizeof(date));
  {
    const char *argv[] = {CURL_ARGS, "-z", date, "-o", out,
                          "-w", "%{http_code}", url, NULL};
    run_peer(s, argv, &r);
  }
  assert_int_equal(r.code, 0);
  assert_string_equal(r.out, "304");
  body = read_file(out, &n);  // curl may not create the file at all
  if (body != NULL) assert_int_equal(n, 0);

  // A date before the mtime: the file is sent.
  http_date(s_hello_mtime - 60, date, sizeof(date));
  {
    const char *argv[] = {CURL_ARGS, "-z", date, "-o", out,
                          "-w", "%{http_code}", url, NULL};
    run_peer(s, argv, &r);
  }
  assert_int_equal(r.code, 0);
  assert_string_equal(r.out, "200");
  assert_file_equals(out, s_hello_file, strlen(s_hello_file));
}

// HTTP/1.0 without keep-alive: answered, then the server closes, so curl
// cannot reuse the connection for the second URL.
static void test_curl_http10_answered_and_connection_closed(void **state) {
  struct srv *s;
  struct run r;
  char url[128], hdr[256];
  char *headers;
  (void) state;
  NEED_CURL();
  s = srv_start();
  snprintf(url, sizeof(url), "%s/hello", s->url);
  path_join(hdr, sizeof(hdr), s_dir, "http10.hdr");
  {
    const char *argv[] = {CURL_ARGS, "--http1.0", "-D", hdr, "-w",
                          "|%{http_code} %{num_connects}\n", url, url, NULL};
    run_peer(s, argv, &r);
  }
  assert_int_equal(r.code, 0);
  assert_string_equal(r.out, HELLO_BODY "|200 1\n" HELLO_BODY "|200 1\n");
  headers = read_file(hdr, NULL);
  assert_non_null(headers);
  assert_non_null(strcasestr(headers, "Connection: close\r\n"));
  assert_non_null(strstr(headers, "Content-Length: 13\r\n"));
}

static void test_curl_two_urls_reuse_one_connection(void **state) {
  struct srv *s;
  struct run r;
  char url[128];
  (void) state;
  NEED_CURL();
  s = srv_start();
  snprintf(url, sizeof(url), "%s/hello", s->url);
  {
    const char *argv[] = {CURL_ARGS, "-w", "|%{http_code} %{num_connects}\n",
                          url, url, NULL};
    run_peer(s, argv, &r);
  }
  assert_int_equal(r.code, 0);
  assert_string_equal(r.out, HELLO_BODY "|200 1\n" HELLO_BODY "|200 0\n");
}

static void test_curl_chunked_upload_length_and_md5_match(void **state) {
  struct srv *s;
  struct run r;
  char url[128], data[160], want[96], hex[33];
  (void) state;
  NEED_CURL();
  s = srv_start();
  snprintf(url, sizeof(url), "%s/md5", s->url);
  snprintf(data, sizeof(data), "@%s", s_upload_src);
  {
    const char *argv[] = {CURL_ARGS, "-H", "Transfer-Encoding: chunked",
                          "--data-binary", data, url, NULL};
    run_peer(s, argv, &r);
  }
  assert_int_equal(r.code, 0);
  md5_hex(s_upload, UPLOAD_SIZE, hex);
  snprintf(want, sizeof(want), "len=%d md5=%s", UPLOAD_SIZE, hex);
  assert_string_equal(r.out, want);
}

static void test_curl_multipart_upload_stored_file_matches(void **state) {
  struct srv *s;
  struct run r;
  char url[128], form[192], stored[256], want[320];
  (void) state;
  NEED_CURL();
  s = srv_start();
  snprintf(url, sizeof(url), "%s/upload", s->url);
  snprintf(form, sizeof(form), "file=@%s;filename=stored.bin", s_upload_src);
  path_join(stored, sizeof(stored), s_uploads, "stored.bin");
  unlink(stored);
  {
    const char *argv[] = {CURL_ARGS, "-F", form, "-w", "|%{http_code}", url,
                          NULL};
    run_peer(s, argv, &r);
  }
  assert_int_equal(r.code, 0);
  assert_non_null(strstr(r.out, "|200"));
  snprintf(want, sizeof(want), "Saved %d bytes to %s\n", UPLOAD_SIZE, stored);
  assert_non_null(strstr(r.out, want));
  assert_file_equals(stored, s_upload, UPLOAD_SIZE);
}

static void digest_run(const char *userpass, const char *want) {
  struct srv *s;
  struct run r;
  char url[128];
  s = srv_start();
  snprintf(url, sizeof(url), "%s/secret", s->url);
  {
    const char *argv[] = {CURL_ARGS, "--digest", "-u", userpass, "-w",
                          "|%{http_code}", url, NULL};
    run_peer(s, argv, &r);
  }
  assert_int_equal(r.code, 0);
  print_message("digest %s: %s\n", userpass, r.out);
  assert_non_null(strstr(r.out, want));
}

static void test_curl_digest_auth_right_password_200(void **state) {
  (void) state;
  NEED_CURL();
  digest_run("user:pass", "secret ok|200");
}

static void test_curl_digest_auth_wrong_password_401(void **state) {
  (void) state;
  NEED_CURL();
  digest_run("user:wrong", "|401");
}

// ---- python3-h11: a strict parser of our responses -----------------------

#define PYTHON "/usr/bin/python3"

static void test_h11_parses_every_response_framing(void **state) {
  struct srv *s;
  struct run r;
  char port[16];
  const char *script = "test/interop/h11_check.py";
  (void) state;
  REQUIRE_PEER(PYTHON, "python3");
  {
    const char *argv[] = {PYTHON, "-c", "import h11", NULL};
    run_peer(NULL, argv, &r);
    if (r.code != 0) {
      print_message("SKIP: the h11 module is missing; install it with: "
                    "apt-get install -y python3-h11\n");
      skip();
    }
  }
  if (access(script, R_OK) != 0) {
    fail_msg("%s not found: run the test from the repository root", script);
  }
  s = srv_start();
  snprintf(port, sizeof(port), "%d", s->port);
  {
    const char *argv[] = {PYTHON, script, port, s_root, NULL};
    run_peer(s, argv, &r);
  }
  assert_int_equal(r.code, 0);
  printf("%s", tail(r.out, 40));  // The summary line
  assert_non_null(strstr(r.out, "h11: all responses OK"));
}

// ---- Load: ab and h2load ---------------------------------------------------

#define AB "/usr/bin/ab"
#define H2LOAD "/usr/bin/h2load"

static void ab_run(const char *path) {
  struct srv *s;
  struct run r;
  char url[128];
  s = srv_start();
  snprintf(url, sizeof(url), "%s%s", s->url, path);
  {
    const char *argv[] = {AB, "-q", "-k", "-n", "2000", "-c", "10", "-s", "10",
                          url, NULL};
    run_peer(s, argv, &r);
  }
  assert_int_equal(r.code, 0);
  assert_non_null(strstr(r.out, "Complete requests:      2000\n"));
  assert_non_null(strstr(r.out, "Failed requests:        0\n"));
  assert_null(strstr(r.out, "Non-2xx responses"));
  assert_non_null(strstr(r.out, "Keep-Alive requests:    2000\n"));
}

static void test_ab_keepalive_2000_static_requests_none_failed(void **state) {
  (void) state;
  REQUIRE_PEER(AB, "apache2-utils");
  ab_run("/small.txt");
}

static void test_ab_keepalive_2000_handler_requests_none_failed(void **state) {
  (void) state;
  REQUIRE_PEER(AB, "apache2-utils");
  ab_run("/hello");
}

static void test_h2load_h1_2000_requests_succeed(void **state) {
  struct srv *s;
  struct run r;
  char url[128];
  (void) state;
  REQUIRE_PEER(H2LOAD, "nghttp2-client");
  s = srv_start();
  snprintf(url, sizeof(url), "%s/hello", s->url);
  {
    const char *argv[] = {H2LOAD, "--h1", "-n", "2000", "-c", "10", "-m", "1",
                          url, NULL};
    run_peer(s, argv, &r);
  }
  assert_int_equal(r.code, 0);
  assert_non_null(strstr(r.out, "2000 succeeded, 0 failed"));
  assert_non_null(strstr(r.out, "status codes: 2000 2xx"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(test_curl_get_file_body_matches, teardown_test),
      cmocka_unit_test_teardown(test_curl_head_returns_headers_only, teardown_test),
      cmocka_unit_test_teardown(test_curl_range_returns_206, teardown_test),
      cmocka_unit_test_teardown(test_curl_if_modified_since_after_mtime_returns_304, teardown_test),
      cmocka_unit_test_teardown(test_curl_http10_answered_and_connection_closed, teardown_test),
      cmocka_unit_test_teardown(test_curl_two_urls_reuse_one_connection, teardown_test),
      cmocka_unit_test_teardown(test_curl_chunked_upload_length_and_md5_match, teardown_test),
      cmocka_unit_test_teardown(test_curl_multipart_upload_stored_file_matches, teardown_test),
      cmocka_unit_test_teardown(test_curl_digest_auth_right_password_200, teardown_test),
      cmocka_unit_test_teardown(test_curl_digest_auth_wrong_password_401, teardown_test),
      cmocka_unit_test_teardown(test_h11_parses_every_response_framing, teardown_test),
      cmocka_unit_test_teardown(test_ab_keepalive_2000_static_requests_none_failed, teardown_test),
      cmocka_unit_test_teardown(test_ab_keepalive_2000_handler_requests_none_failed, teardown_test),
      cmocka_unit_test_teardown(test_h2load_h1_2000_requests_succeed, teardown_test),
  };
  return cmocka_run_group_tests(tests, setup_files, teardown_files);
}
