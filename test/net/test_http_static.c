// Net tests for static file serving: mg_serve_http() and
// mg_http_serve_file() over real sockets, with raw requests and exact
// assertions on status lines, headers and body bytes. The document root is
// built in a mkdtemp() directory by the group setup.
#include "net_util.h"  // First: mongoose.h sets the feature macros

#include <sys/stat.h>

#define BIG_SIZE (1024 * 1024)
#define HELLO "Hello, world!\n"
#define REALM "test.realm"

static struct mg_mgr s_mgr;
static struct mg_connection *s_lc;
static int s_port;
static char s_tmp[64];      // mkdtemp() directory
static char s_root[128];    // The document root inside it
static char s_alt[128];     // A url_rewrites target directory
static char s_vhost[128];   // An @host rewrite target
static char s_rewrites[512];
static struct mg_serve_http_opts s_opts;
static size_t s_max_send_mbuf;  // Largest send_mbuf seen on a server conn

// ---- Fixtures ---------------------------------------------------------------

static void write_file(const char *dir, const char *name, const void *data,
                       size_t len) {
  char path[512];
  FILE *fp;
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  fp = fopen(path, "wb");
  assert_non_null(fp);
  assert_int_equal(fwrite(data, 1, len, fp), len);
  fclose(fp);
}

static void write_str(const char *dir, const char *name, const char *s) {
  write_file(dir, name, s, strlen(s));
}

static void make_dir(const char *dir, const char *name) {
  char path[512];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  assert_int_equal(mkdir(path, 0755), 0);
}

static unsigned char big_byte(size_t i) {
  return (unsigned char) ((i * 7) ^ (i >> 8) ^ (i >> 16));
}

static void md5_hex(const char *s, char out[33]) {
  struct mg_md5_ctx ctx;
  unsigned char d[16];
  int i;
  mg_md5_init(&ctx);
  mg_md5_update(&ctx, (const unsigned char *) s, strlen(s));
  mg_md5_final(d, &ctx);
  for (i = 0; i < 16; i++) snprintf(out + i * 2, 3, "%02x", d[i]);
}

static void make_link(const char *target, const char *name) {
  char path[512];
  snprintf(path, sizeof(path), "%s/%s", s_root, name);
  assert_int_equal(symlink(target, path), 0);
}

// Symlinks that stay inside the root or leave it, one way or another.
static void make_link_fixtures(void) {
  char target[512];
  make_dir(s_root, "links");
  make_link("../dir", "links/to_dir");        // Relative, to a directory
  snprintf(target, sizeof(target), "%s/hello.txt", s_root);
  make_link(target, "links/abs_in");          // Absolute, inside
  make_link("../../outside.txt", "links/up_out");
  make_link("../link_dir_out", "links/via_link_out");  // A link to a link
  make_dir(s_root, "idxout");
  snprintf(target, sizeof(target), "%s/outside.txt", s_tmp);
  make_link(target, "idxout/index.html");
  write_str(s_root, "gzout.css", "plain css\n");
  make_link(target, "gzout.css.gz");
}

static void make_fixtures(void) {
  unsigned char *big = (unsigned char *) malloc(BIG_SIZE);
  char path[512], target[512], ha1[33], line[128];
  size_t i;
  assert_non_null(big);
  for (i = 0; i < BIG_SIZE; i++) big[i] = big_byte(i);
  snprintf(s_tmp, sizeof(s_tmp), "/tmp/mg_static_XXXXXX");
  assert_non_null(mkdtemp(s_tmp));
  snprintf(s_root, sizeof(s_root), "%s/root", s_tmp);
  snprintf(s_alt, sizeof(s_alt), "%s/alt", s_tmp);
  snprintf(s_vhost, sizeof(s_vhost), "%s/vhost", s_tmp);
  assert_int_equal(mkdir(s_root, 0755), 0);
  assert_int_equal(mkdir(s_alt, 0755), 0);
  assert_int_equal(mkdir(s_vhost, 0755), 0);
  write_str(s_tmp, "outside.txt", "outside secret\n");
  write_str(s_alt, "alt.txt", "from alt\n");
  write_str(s_vhost, "v.txt", "from vhost\n");

  write_str(s_root, "hello.txt", HELLO);
  write_file(s_root, "big.bin", big, BIG_SIZE);
  free(big);
  write_str(s_root, "style.css", "body{color:red}\n");
  write_str(s_root, "style.css.gz", "GZDATA");
  write_str(s_root, "data.foo", "foo data");
  write_str(s_root, "page.HTML", "<p>page</p>");
  make_dir(s_root, "withindex");
  write_str(s_root, "withindex/index.html", "<h1>index</h1>\n");
  make_dir(s_root, "dir");
  write_str(s_root, "dir/b.txt", "bbb");
  write_str(s_root, "dir/a.txt", "a");
  write_str(s_root, "dir/<script>&.txt", "xss");
  write_str(s_root, "dir/x.hidden", "hidden");
  make_dir(s_root, "dir/sub");
  make_dir(s_root, "private.hidden");
  write_str(s_root, "private.hidden/f.txt", "private");
  snprintf(target, sizeof(target), "%s/outside.txt", s_tmp);
  snprintf(path, sizeof(path), "%s/link_out", s_root);
  assert_int_equal(symlink(target, path), 0);
  snprintf(path, sizeof(path), "%s/link_dir_out", s_root);
  assert_int_equal(symlink(s_tmp, path), 0);
  snprintf(path, sizeof(path), "%s/link_in", s_root);
  assert_int_equal(symlink("hello.txt", path), 0);

  make_link_fixtures();

  snprintf(path, sizeof(path), "%s/fifo", s_root);
  assert_int_equal(mkfifo(path, 0644), 0);
  make_dir(s_root, "auth");
  make_dir(s_root, "auth/sub");
  write_str(s_root, "auth/f.txt", "protected\n");
  write_str(s_root, "auth/sub/g.txt", "deeper\n");
  md5_hex("joe:" REALM ":secret", ha1);
  snprintf(line, sizeof(line), "joe:%s:%s\n", REALM, ha1);
  write_str(s_root, "auth/.htpasswd", line);
}

static void remove_tree(const char *path) {
  struct stat st;
  DIR *d;
  struct dirent *de;
  char sub[1024];
  if (lstat(path, &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    d = opendir(path);
    while (d != NULL && (de = readdir(d)) != NULL) {
      if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
        continue;
      }
      snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
      remove_tree(sub);
    }
    if (d != NULL) closedir(d);
    rmdir(path);
  } else {
    unlink(path);
  }
}

// ---- Server -----------------------------------------------------------------

static void handler(struct mg_connection *nc, int ev, void *ev_data) {
  if (nc->listener != NULL && nc->send_mbuf.len > s_max_send_mbuf) {
    s_max_send_mbuf = nc->send_mbuf.len;
  }
  if (ev == MG_EV_HTTP_REQUEST) {
    struct http_message *hm = (struct http_message *) ev_data;
    char path[512];
    if (mg_vcmp(&hm->uri, "/direct") == 0 ||
        mg_vcmp(&hm->uri, "/direct_fifo") == 0 ||
        mg_vcmp(&hm->uri, "/direct_missing") == 0) {
      // mg_http_serve_file() on a path of the handler's choosing.
      snprintf(path, sizeof(path), "%s/%s", s_root,
               hm->uri.len == 7   ? "hello.txt"
               : hm->uri.len == 12 ? "fifo"
                                  : "nope");
      mg_http_serve_file(nc, hm, path, mg_mk_str("text/x-direct"),
                         mg_mk_str("X-Direct: 1"));
    } else {
      mg_serve_http(nc, hm, s_opts);
    }
  }
}

static void reset_opts(void) {
  memset(&s_opts, 0, sizeof(s_opts));
  s_opts.document_root = s_root;
  s_opts.hidden_file_pattern = "*.hidden";
  s_opts.per_directory_auth_file = ".htpasswd";
  s_opts.auth_domain = REALM;
  s_opts.custom_mime_types = ".foo=application/x-foo";
}

static int group_setup(void **state) {
  (void) state;
  make_fixtures();
  mg_mgr_init(&s_mgr, NULL);
  s_lc = mg_bind(&s_mgr, "127.0.0.1:0", handler);
  if (s_lc == NULL) return -1;
  mg_set_protocol_http_websocket(s_lc);
  s_port = conn_port(s_lc);
  return 0;
}

static int group_teardown(void **state) {
  (void) state;
  mg_mgr_free(&s_mgr);
  remove_tree(s_tmp);
  return 0;
}

static int test_setup(void **state) {
  (void) state;
  reset_opts();
  return 0;
}

// ---- Client helpers ---------------------------------------------------------

// Sends req on a new connection and reads `want` responses (0: until the
// server closes). Returns the bytes read into buf (NUL-terminated).
static size_t fetch_n(const char *req, char *buf, size_t cap, int want) {
  int fd = raw_connect(s_port), closed = 0;
  size_t n;
  raw_send(&s_mgr, fd, req, strlen(req));
  n = raw_recv(&s_mgr, fd, buf, cap, want, &closed, 10);
  close(fd);
  return n;
}

static char s_resp[65536];

// One request, one response, into s_resp.
static const char *get(const char *req) {
  fetch_n(req, s_resp, sizeof(s_resp), 1);
  return s_resp;
}

// For responses without a body length the client can use (HEAD): the
// request says Connection: close and the response runs to the close.
static const char *get_to_close(const char *req) {
  fetch_n(req, s_resp, sizeof(s_resp), 0);
  return s_resp;
}

static void assert_status(const char *resp, const char *status_line) {
  size_t n = strlen(status_line);
  if (strncmp(resp, status_line, n) != 0 || strncmp(resp + n, "\r\n", 2)) {
    fail_msg("expected \"%s\", got:\n%.300s", status_line, resp);
  }
}

// The value of header name in resp's head, into out ("" if absent).
static const char *header(const char *resp, const char *name, char *out,
                          size_t len) {
  const char *end = strstr(resp, "\r\n\r\n"), *p = resp, *e;
  size_t n = strlen(name);
  out[0] = '\0';
  while (end != NULL && (p = strstr(p, "\r\n")) != NULL && p < end) {
    p += 2;
    if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
      p += n + 1;
      while (*p == ' ') p++;
      e = strstr(p, "\r\n");
      snprintf(out, len, "%.*s", (int) (e - p), p);
      return out;
    }
  }
  return out;
}

static void assert_header(const char *resp, const char *name,
                          const char *value) {
  char v[512];
  header(resp, name, v, sizeof(v));
  if (strcmp(v, value) != 0) {
    fail_msg("header %s: expected \"%s\", got \"%s\" in:\n%.400s", name,
             value, v, resp);
  }
}

static int has_header(const char *resp, const char *name) {
  char probe[64];
  snprintf(probe, sizeof(probe), "\r\n%s:", name);
  return strcasestr(resp, probe) != NULL &&
         strcasestr(resp, probe) < strstr(resp, "\r\n\r\n");
}

static const char *body(const char *resp) {
  const char *p = strstr(resp, "\r\n\r\n");
  assert_non_null(p);
  return p + 4;
}

// ---- GET, HEAD, MIME --------------------------------------------------------

static void test_get_file(void **state) {
  const char *r = get("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  (void) state;
  assert_status(r, "HTTP/1.1 200 OK");
  assert_header(r, "Content-Type", "text/plain; charset=utf-8");
  assert_header(r, "Content-Length", "14");
  assert_header(r, "Accept-Ranges", "bytes");
  assert_true(has_header(r, "ETag"));
  assert_true(has_header(r, "Last-Modified"));
  assert_string_equal(body(r), HELLO);
}

static void test_absolute_form_target(void **state) {
  const char *r = get("GET http://x/hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  (void) state;
  assert_status(r, "HTTP/1.1 200 OK");
  assert_string_equal(body(r), HELLO);
}

static void test_special_file_403(void **state) {
  const char *r = get("GET /fifo HTTP/1.1\r\nHost: x\r\n\r\n");
  (void) state;
  assert_status(r, "HTTP/1.1 403 Forbidden");
}

static void test_get_missing_file_404(void **state) {
  const char *r = get("GET /nope.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  (void) state;
  assert_status(r, "HTTP/1.1 404 Not Found");
}

static void test_head_same_headers_no_body(void **state) {
  char get_etag[128], get_lm[128];
  const char *r = get("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  (void) state;
  header(r, "ETag", get_etag, sizeof(get_etag));
  header(r, "Last-Modified", get_lm, sizeof(get_lm));
  r = get_to_close(
      "HEAD /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  assert_status(r, "HTTP/1.1 200 OK");
  assert_header(r, "Content-Length", "14");
  assert_header(r, "Content-Type", "text/plain; charset=utf-8");
  assert_header(r, "ETag", get_etag);
  assert_header(r, "Last-Modified", get_lm);
  assert_string_equal(body(r), "");
}

static void test_last_modified_is_imf_fixdate(void **state) {
  char lm[128];
  const char *r = get("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  (void) state;
  header(r, "Last-Modified", lm, sizeof(lm));
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  assert_int_equal(strlen(lm), 29);
  assert_string_equal(lm + 25, " GMT");
  assert_int_equal(lm[3], ',');
}

static void test_builtin_mime_types(void **state) {
  const char *r = get("GET /page.HTML HTTP/1.1\r\nHost: x\r\n\r\n");
  (void) state;
  assert_status(r, "HTTP/1.1 200 OK");
  assert_header(r, "Content-Type", "text/html; charset=utf-8");
  r = get("GET /big.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=0-0\r\n\r\n");
  assert_header(r, "Content-Type", "application/octet-stream");
}

static void test_custom_mime_type(void **state) {
  const char *r = get("GET /data.foo HTTP/1.1\r\nHost: x\r\n\r\n");
  (void) state;
  assert_status(r, "HTTP/1.1 200 OK");
  assert_header(r, "Content-Type", "application/x-foo");
  assert_string_equal(body(r), "foo data");
}

static void test_extra_headers_on_every_response(void **state) {
  const char *r;
  (void) state;
  s_opts.extra_headers = "X-Test: 1\r\nX-Other: two\r\n";
  r = get("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_status(r, "HTTP/1.1 200 OK");
  assert_header(r, "X-Test", "1");
  assert_header(r, "X-Other", "two");
  r = get("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_status(r, "HTTP/1.1 404 Not Found");
  assert_header(r, "X-Other", "two");
  r = get("GET /dir HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_status(r, "HTTP/1.1 301 Moved Permanently");
  assert_header(r, "X-Test", "1");
  assert_header(r, "X-Other", "two");
  r = get("GET /dir/ HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_header(r, "X-Other", "two");
}

// ---- Ranges -----------------------------------------------------------------

static void test_range_a_b(void **state) {
  const char *r =
      get("GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-4\r\n\r\n");
  (void) state;
  assert_status(r, "HTTP/1.1 206 Partial Content");
  assert_header(r, "Content-Range", "bytes 0-4/14");
  assert_header(r, "Content-Length", "5");
  assert_string_equal(body(r), "Hello");
}

static void test_range_a_open(void **state) {
  const char *r =
      get("GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=7-\r\n\r\n");
  (void) state;
  assert_status(r, "HTTP/1.1 206 Partial Content");
  assert_header(r, "Content-Range", "bytes 7-13/14");
  assert_string_equal(body(r), "world!\n");
}

static void test_range_suffix(void **state) {
  const char *r =
      get("GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=-6\r\n\r\n");
  (void) state;
  assert_status(r, "HTTP/1.1 206 Partial Content");
  assert_header(r, "Content-Range", "bytes 8-13/14");
  assert_string_equal(body(r), "orld!\n");
  // A suffix longer than the file is the whole file.
  r = get("GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=-100\r\n\r\n");
  assert_status(r, "HTTP/1.1 206 Partial Content");
  assert_header(r, "Content-Range", "bytes 0-13/14");
}

static void test_range_end_clamped(void **state) {
  const char *r =
      get("GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=10-99\r\n\r\n");
  (void) state;
  assert_status(r, "HTTP/1.1 206 Partial Content");
  assert_header(r, "Content-Range", "bytes 10-13/14");
  assert_string_equal(body(r), "ld!\n");
}

static void test_range_unsatisfiable_416(void **state) {
  const char *r =
      get("GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=14-\r\n\r\n");
  (void) state;
  assert_status(r, "HTTP/1.1 416 Range Not Satisfiable");
  assert_header(r, "Content-Range", "bytes */14");
  r = get("GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=-0\r\n\r\n");
  assert_status(r, "HTTP/1.1 416 Range Not Satisfiable");
  assert_header(r, "Content-Range", "bytes */14");
}

static void test_range_malformed_ignored(void **state) {
  static const char *ranges[] = {"bytes=abc",     "bytes=5-2", "items=0-1",
                                 "bytes=0-1,3-x", "bytes=--1", "bytes=,"};
  char req[256];
  size_t i;
  (void) state;
  for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
    const char *r;
    snprintf(req, sizeof(req),
             "GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: %s\r\n\r\n",
             ranges[i]);
    r = get(req);
    assert_status(r, "HTTP/1.1 200 OK");
    assert_string_equal(body(r), HELLO);
  }
}

static void test_if_range_mismatch_sends_whole_file(void **state) {
  const char *r = get(
      "GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-4\r\n"
      "If-Range: \"other\"\r\n\r\n");
  (void) state;
  assert_status(r, "HTTP/1.1 200 OK");
  assert_string_equal(body(r), HELLO);
}

// ---- Several ranges: multipart/byteranges (RFC 9110 14.6) -------------------

// The boundary of a multipart/byteranges response, into out.
static void multipart_boundary(const char *resp, char *out, size_t len) {
  char ct[256];
  const char *b;
  header(resp, "Content-Type", ct, sizeof(ct));
  b = strstr(ct, "multipart/byteranges; boundary=");
  if (b != ct) fail_msg("not multipart/byteranges: \"%s\"", ct);
  snprintf(out, len, "%s", b + 31);
  assert_true(strlen(out) > 0);
}

// Appends to out the part of file bytes [a, b] that the body must hold.
static size_t expect_part(char *out, const char *bnd, const char *type,
                          const unsigned char *file, long a, long b,
                          long size) {
  int n = sprintf(out,
                  "\r\n--%s\r\nContent-Type: %s\r\n"
                  "Content-Range: bytes %ld-%ld/%ld\r\n\r\n",
                  bnd, type, a, b, size);
  memcpy(out + n, file + a, (size_t) (b - a + 1));
  return (size_t) n + (size_t) (b - a + 1);
}

// Checks a multipart/byteranges response (n bytes in resp) against the
// ranges [r[2i], r[2i+1]] of file, in that order.
static void assert_multipart(const char *resp, size_t n,
                             const unsigned char *file, long size,
                             const char *type, const long *r, int nr) {
  static char want[BIG_SIZE + 8192];
  char bnd[256], cl[32];
  size_t w = 0, got;
  const char *b = strstr(resp, "\r\n\r\n") + 4;
  int i;
  assert_true(size <= BIG_SIZE);
  assert_status(resp, "HTTP/1.1 206 Partial Content");
  assert_false(has_header(resp, "Content-Range"));
  multipart_boundary(resp, bnd, sizeof(bnd));
  for (i = 0; i < nr; i++) {
    w += expect_part(want + w, bnd, type, file, r[2 * i], r[2 * i + 1], size);
  }
  w += (size_t) sprintf(want + w, "\r\n--%s--\r\n", bnd);
  got = n - (size_t) (b - resp);
  snprintf(cl, sizeof(cl), "%zu", w);
  assert_header(resp, "Content-Length", cl);
  assert_int_equal(got, w);
  assert_memory_equal(b, want, w);
}

static void test_ranges_two_parts_multipart(void **state) {
  static const long r[] = {0, 1, 5, 6};
  size_t n;
  (void) state;
  n = fetch_n(
      "GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1,5-6\r\n\r\n",
      s_resp, sizeof(s_resp), 1);
  assert_multipart(s_resp, n, (const unsigned char *) HELLO, 14,
                   "text/plain; charset=utf-8", r, 2);
}

// Parts come in the order asked; an unsatisfiable spec is left out.
static void test_ranges_keep_request_order(void **state) {
  static const long r[] = {10, 11, 0, 1, 13, 13};
  size_t n;
  (void) state;
  n = fetch_n(
      "GET /hello.txt HTTP/1.1\r\nHost: x\r\n"
      "Range: bytes=10-11, 0-1,99-, -1\r\n\r\n",
      s_resp, sizeof(s_resp), 1);
  assert_multipart(s_resp, n, (const unsigned char *) HELLO, 14,
                   "text/plain; charset=utf-8", r, 3);
}

// Overlapping and adjacent ranges are merged: one range left is a plain
// 206 with Content-Range, never a one-part multipart body.
static void test_ranges_overlapping_coalesce(void **state) {
  const char *r = get(
      "GET /hello.txt HTTP/1.1\r\nHost: x\r\n"
      "Range: bytes=2-4,0-2,5-6,3-3\r\n\r\n");
  (void) state;
  assert_status(r, "HTTP/1.1 206 Partial Content");
  assert_header(r, "Content-Range", "bytes 0-6/14");
  assert_header(r, "Content-Type", "text/plain; charset=utf-8");
  assert_string_equal(body(r), "Hello, ");
  // Only one of them satisfiable: the same.
  r = get("GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=50-60,1-2\r\n\r\n");
  assert_status(r, "HTTP/1.1 206 Partial Content");
  assert_header(r, "Content-Range", "bytes 1-2/14");
  assert_string_equal(body(r), "el");
  // None: 416.
  r = get("GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=14-,20-30\r\n\r\n");
  assert_status(r, "HTTP/1.1 416 Range Not Satisfiable");
  assert_header(r, "Content-Range", "bytes */14");
}

// Range amplification: 16 specs are served, 17 make the header ignored,
// and 16 copies of the whole file cost one copy.
static void test_ranges_capped(void **state) {
  char req[1024], spec[512];
  size_t i, n = 0;
  (void) state;
  for (i = 0; i < MG_MAX_HTTP_RANGES; i++) {
    n += (size_t) sprintf(spec + n, "%s%zu-%zu", i ? "," : "", i % 7 * 2,
                          i % 7 * 2);
  }
  snprintf(req, sizeof(req),
           "GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=%s\r\n\r\n", spec);
  assert_status(get(req), "HTTP/1.1 206 Partial Content");
  snprintf(req, sizeof(req),
           "GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=%s,13-13\r\n\r\n",
           spec);
  assert_status(get(req), "HTTP/1.1 200 OK");
  assert_string_equal(body(s_resp), HELLO);
  for (i = 0, n = 0; i < MG_MAX_HTTP_RANGES; i++) {
    n += (size_t) sprintf(spec + n, "%s0-", i ? "," : "");
  }
  snprintf(req, sizeof(req),
           "GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=%s\r\n\r\n", spec);
  assert_status(get(req), "HTTP/1.1 206 Partial Content");
  assert_header(s_resp, "Content-Range", "bytes 0-13/14");
}

// Large parts of a large file are streamed part by part, bytes intact,
// send_mbuf bounded; HEAD gets the same Content-Length and no body.
static void test_ranges_big_file_multipart(void **state) {
  static const long r[] = {1000, 300999, 600000, 600000, 700000, 1048575};
  const char *req =
      "GET /big.bin HTTP/1.1\r\nHost: x\r\n"
      "Range: bytes=1000-300999,600000-600000,700000-\r\n\r\n";
  size_t cap = BIG_SIZE + 4096, n, i;
  char *buf = (char *) malloc(cap), cl[32];
  unsigned char *big = (unsigned char *) malloc(BIG_SIZE);
  (void) state;
  assert_non_null(buf);
  assert_non_null(big);
  for (i = 0; i < BIG_SIZE; i++) big[i] = big_byte(i);
  s_max_send_mbuf = 0;
  n = fetch_n(req, buf, cap, 1);
  assert_multipart(buf, n, big, BIG_SIZE, "application/octet-stream", r, 3);
  assert_true(s_max_send_mbuf <= 65536 + 1024);
  header(buf, "Content-Length", cl, sizeof(cl));
  snprintf(buf, cap,
           "HEAD /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
           "Range: bytes=1000-300999,600000-600000,700000-\r\n\r\n");
  get_to_close(buf);
  assert_status(s_resp, "HTTP/1.1 206 Partial Content");
  assert_header(s_resp, "Content-Length", cl);
  assert_string_equal(body(s_resp), "");
  free(big);
  free(buf);
}

// ---- Conditional requests ---------------------------------------------------

static void test_if_none_match_304(void **state) {
  char etag[128], req[512];
  const char *r = get("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  (void) state;
  header(r, "ETag", etag, sizeof(etag));
  assert_true(etag[0] == '"');
  snprintf(req, sizeof(req),
           "GET /hello.txt HTTP/1.1\r\nHost: x\r\n"
           "If-None-Match: \"nope\", W/%s\r\n\r\n",
           etag);
  r = get(req);
  assert_status(r, "HTTP/1.1 304 Not Modified");
  assert_header(r, "ETag", etag);
  assert_false(has_header(r, "Content-Length"));
  assert_string_equal(body(r), "");
  r = get("GET /hello.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: *\r\n\r\n");
  assert_status(r, "HTTP/1.1 304 Not Modified");
  r = get(
      "GET /hello.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"x\"\r\n\r\n");
  assert_status(r, "HTTP/1.1 200 OK");
}

static void test_if_modified_since_304(void **state) {
  char lm[128], req[512];
  const char *r = get("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  (void) state;
  header(r, "Last-Modified", lm, sizeof(lm));
  snprintf(req, sizeof(req),
           "GET /hello.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: %s\r\n\r\n",
           lm);
  r = get(req);
  assert_status(r, "HTTP/1.1 304 Not Modified");
  // Later than the file: still 304.
  r = get("GET /hello.txt HTTP/1.1\r\nHost: x\r\n"
          "If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT\r\n\r\n");
  assert_status(r, "HTTP/1.1 304 Not Modified");
  // Older than the file: 200.
  r = get("GET /hello.txt HTTP/1.1\r\nHost: x\r\n"
          "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n");
  assert_status(r, "HTTP/1.1 200 OK");
  // Unparseable: ignored.
  r = get("GET /hello.txt HTTP/1.1\r\nHost: x\r\n"
          "If-Modified-Since: yesterday\r\n\r\n");
  assert_status(r, "HTTP/1.1 200 OK");
}

// The file's Last-Modified rewritten in the other two forms of RFC 9110
// 5.6.7 (rfc850-date, asctime) must mean the same instant.
static void test_if_modified_since_all_three_date_forms(void **state) {
  static const char *long_days[] = {"Sunday",   "Monday", "Tuesday",
                                    "Wednesday", "Thursday", "Friday",
                                    "Saturday"};
  char lm[128], alt[128], req[512];
  const char *r = get("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  struct tm tm;
  time_t t;
  (void) state;
  header(r, "Last-Modified", lm, sizeof(lm));
  memset(&tm, 0, sizeof(tm));
  assert_non_null(strptime(lm, "%a, %d %b %Y %H:%M:%S GMT", &tm));
  t = timegm(&tm);
  // rfc850-date: "Sunday, 06-Nov-94 08:49:37 GMT" (the year is in this
  // century: the file was written today).
  snprintf(alt, sizeof(alt), "%s, %.2s-%.3s-%.2s %.8s GMT",
           long_days[tm.tm_wday], lm + 5, lm + 8, lm + 14, lm + 17);
  snprintf(req, sizeof(req),
           "GET /hello.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: %s\r\n\r\n",
           alt);
  assert_status(get(req), "HTTP/1.1 304 Not Modified");
  // asctime: "Sun Nov  6 08:49:37 1994", the day padded with a space.
  snprintf(alt, sizeof(alt), "%.3s %.3s %2d %.8s %.4s", lm, lm + 8,
           tm.tm_mday, lm + 17, lm + 12);
  snprintf(req, sizeof(req),
           "GET /hello.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: %s\r\n\r\n",
           alt);
  assert_status(get(req), "HTTP/1.1 304 Not Modified");
  // One second before the file, in each form: 200.
  t -= 1;
  gmtime_r(&t, &tm);
  strftime(alt, sizeof(alt), "%a %b %e %H:%M:%S %Y", &tm);
  snprintf(req, sizeof(req),
           "GET /hello.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: %s\r\n\r\n",
           alt);
  assert_status(get(req), "HTTP/1.1 200 OK");
  strftime(lm, sizeof(lm), "%d-%b-%y %H:%M:%S GMT", &tm);
  snprintf(req, sizeof(req),
           "GET /hello.txt HTTP/1.1\r\nHost: x\r\n"
           "If-Modified-Since: %s, %s\r\n\r\n",
           long_days[tm.tm_wday], lm);
  assert_status(get(req), "HTTP/1.1 200 OK");
  // Near misses of each form are ignored (200): a short weekday in
  // rfc850, a long one in asctime, a two-digit day without the pad.
  assert_status(get("GET /hello.txt HTTP/1.1\r\nHost: x\r\n"
                    "If-Modified-Since: Fri, 01-Jan-99 00:00:00 GMT\r\n\r\n"),
                "HTTP/1.1 200 OK");
  assert_status(get("GET /hello.txt HTTP/1.1\r\nHost: x\r\n"
                    "If-Modified-Since: Friday Jan  1 00:00:00 2100\r\n\r\n"),
                "HTTP/1.1 200 OK");
  assert_status(get("GET /hello.txt HTTP/1.1\r\nHost: x\r\n"
                    "If-Modified-Since: Fri Jan 1 00:00:00 2100\r\n\r\n"),
                "HTTP/1.1 200 OK");
  // And the far future in asctime and rfc850 forms: 304 (not wrapped).
  assert_status(get("GET /hello.txt HTTP/1.1\r\nHost: x\r\n"
                    "If-Modified-Since: Fri Jan  1 00:00:00 2100\r\n\r\n"),
                "HTTP/1.1 304 Not Modified");
}

static void test_if_none_match_takes_precedence_over_ims(void **state) {
  char etag[128], req[512];
  const char *r = get("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  (void) state;
  header(r, "ETag", etag, sizeof(etag));
  // INM does not match, IMS would: INM decides, 200.
  r = get("GET /hello.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"x\"\r\n"
          "If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT\r\n\r\n");
  assert_status(r, "HTTP/1.1 200 OK");
  // INM matches, IMS is old: 304.
  snprintf(req, sizeof(req),
           "GET /hello.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: %s\r\n"
           "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n",
           etag);
  r = get(req);
  assert_status(r, "HTTP/1.1 304 Not Modified");
}

// ---- Directories ------------------------------------------------------------

static void test_dir_without_slash_301(void **state) {
  const char *r = get("GET /dir?x=1&y=2 HTTP/1.1\r\nHost: x\r\n\r\n");
  (void) state;
  assert_status(r, "HTTP/1.1 301 Moved Permanently");
  assert_header(r, "Location", "/dir/?x=1&y=2");
  r = get("GET /withindex HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_status(r, "HTTP/1.1 301 Moved Permanently");
  assert_header(r, "Location", "/withindex/");
}

static void test_index_file_served(void **state) {
  const char *r = get("GET /withindex/ HTTP/1.1\r\nHost: x\r\n\r\n");
  (void) state;
  assert_status(r, "HTTP/1.1 200 OK");
  assert_header(r, "Content-Type", "text/html; charset=utf-8");
  assert_string_equal(body(r), "<h1>index</h1>\n");
}

static void test_listing_sorted_and_escaped(void **state) {
  const char *r = get("GET /dir/ HTTP/1.1\r\nHost: x\r\n\r\n"), *b;
  const char *sub, *script, *a, *bb, *up;
  (void) state;
  assert_status(r, "HTTP/1.1 200 OK");
  assert_header(r, "Content-Type", "text/html; charset=utf-8");
  b = body(r);
  assert_int_equal(strlen(b), (size_t) atoi(strstr(r, "Content-Length: ") + 16));
  up = strstr(b, "<a href=\"../\">..</a>");
  sub = strstr(b, "<a href=\"sub/\">sub/</a>");
  script = strstr(b, "<a href=\"%3cscript%3e%26.txt\">&lt;script&gt;&amp;.txt</a>");
  a = strstr(b, "<a href=\"a.txt\">a.txt</a>");
  bb = strstr(b, "<a href=\"b.txt\">b.txt</a>");
  assert_non_null(up);
  assert_non_null(sub);
  assert_non_null(script);
  assert_non_null(a);
  assert_non_null(bb);
  // Directories first, then names in byte order.
  assert_true(up < sub && sub < script && script < a && a < bb);
  // The name is escaped in the sort key too; the only script is ours.
  assert_non_null(strstr(b, "data-n=\"&lt;script&gt;&amp;.txt\""));
  assert_null(strstr(b, "<script>&"));
  assert_non_null(strstr(b, "<script>"));
  assert_null(strstr(strstr(b, "<script>") + 1, "<script>"));
  assert_null(strstr(b, "x.hidden"));
  // b.txt's size in human units, exact in the tooltip and the sort key.
  assert_non_null(strstr(b, "data-s=\"3\" data-n=\"b.txt\""));
  assert_non_null(strstr(b, "<td class=\"s\" title=\"3 bytes\">3 B</td>"));
  assert_non_null(strstr(b, "<tr data-d=\"1\""));  // sub/
}

// Sizes in human units: 1 MiB is "1.0 MiB" (exact bytes in the title).
static void test_listing_human_sizes(void **state) {
  const char *r = get("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  (void) state;
  assert_status(r, "HTTP/1.1 200 OK");
  assert_non_null(strstr(body(r), "title=\"1048576 bytes\">1.0 MiB</td>"));
  assert_non_null(strstr(body(r), "title=\"14 bytes\">14 B</td>"));
}

static void test_listing_root_has_no_parent_link(void **state) {
  const char *r = get("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  (void) state;
  assert_status(r, "HTTP/1.1 200 OK");
  assert_null(strstr(body(r), "href=\"../\""));
  assert_non_null(strstr(body(r), "href=\"hello.txt\""));
  assert_null(strstr(body(r), "private.hidden"));
}

static void test_listing_disabled_403(void **state) {
  const char *r;
  (void) state;
  s_opts.enable_directory_listing = "no";
  r = get("GET /dir/ HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_status(r, "HTTP/1.1 403 Forbidden");
  // An index file is still served.
  r = get("GET /withindex/ HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_status(r, "HTTP/1.1 200 OK");
}

// ---- Path safety ------------------------------------------------------------

static void test_hidden_file_404(void **state) {
  const char *r = get("GET /dir/x.hidden HTTP/1.1\r\nHost: x\r\n\r\n");
  (void) state;
  assert_status(r, "HTTP/1.1 404 Not Found");
  // Any component of the path counts.
  r = get("GET /private.hidden/f.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_status(r, "HTTP/1.1 404 Not Found");
  r = get("GET /dir/X.HIDDEN HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_status(r, "HTTP/1.1 404 Not Found");
}

static void assert_refused(const char *uri) {
  char req[512];
  const char *r;
  snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", uri);
  r = get(req);
  if (strncmp(r, "HTTP/1.1 404 ", 13) != 0 &&
      strncmp(r, "HTTP/1.1 400 ", 13) != 0) {
    fail_msg("%s: expected 404 (or 400 from the parser), got:\n%.200s", uri,
             r);
  }
  assert_null(strstr(r, "outside secret"));
}

static void test_dotdot_refused(void **state) {
  (void) state;
  assert_refused("/../outside.txt");
  assert_refused("/dir/../../outside.txt");
  assert_status(get("GET /../outside.txt HTTP/1.1\r\nHost: x\r\n\r\n"),
                "HTTP/1.1 404 Not Found");
}

static void test_encoded_dotdot_refused(void **state) {
  (void) state;
  assert_status(
      get("GET /%2e%2e/outside.txt HTTP/1.1\r\nHost: x\r\n\r\n"),
      "HTTP/1.1 404 Not Found");
  assert_refused("/dir/%2E%2E/%2e%2e/outside.txt");
  // Inside the root an encoded ".." is just "..".
  assert_status(get("GET /dir/%2e%2e/hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"),
                "HTTP/1.1 200 OK");
}

static void test_encoded_separators_refused(void **state) {
  (void) state;
  assert_status(get("GET /dir%2fa.txt HTTP/1.1\r\nHost: x\r\n\r\n"),
                "HTTP/1.1 404 Not Found");
  assert_status(get("GET /dir%2Fa.txt HTTP/1.1\r\nHost: x\r\n\r\n"),
                "HTTP/1.1 404 Not Found");
  assert_status(get("GET /dir%5ca.txt HTTP/1.1\r\nHost: x\r\n\r\n"),
                "HTTP/1.1 404 Not Found");
  assert_refused("/..%2f..%2foutside.txt");
  assert_refused("/..%5c..%5coutside.txt");
}

static void test_backslash_refused(void **state) {
  (void) state;
  assert_refused("/dir\\a.txt");
  assert_refused("/..\\outside.txt");
}

static void test_nul_refused(void **state) {
  (void) state;
  assert_status(get("GET /hello.txt%00.html HTTP/1.1\r\nHost: x\r\n\r\n"),
                "HTTP/1.1 404 Not Found");
  assert_status(get("GET /hello.txt%00 HTTP/1.1\r\nHost: x\r\n\r\n"),
                "HTTP/1.1 404 Not Found");
}

static void test_bad_escape_400(void **state) {
  (void) state;
  assert_status(get("GET /hello%zz.txt HTTP/1.1\r\nHost: x\r\n\r\n"),
                "HTTP/1.1 400 Bad Request");
}

static void test_plus_is_not_a_space(void **state) {
  (void) state;
  write_str(s_root, "a+b.txt", "plus");
  assert_string_equal(
      body(get("GET /a+b.txt HTTP/1.1\r\nHost: x\r\n\r\n")), "plus");
  assert_status(get("GET /a%2bb.txt HTTP/1.1\r\nHost: x\r\n\r\n"),
                "HTTP/1.1 200 OK");
}

static void test_symlink_outside_root_refused(void **state) {
  const char *r = get("GET /link_out HTTP/1.1\r\nHost: x\r\n\r\n");
  (void) state;
  assert_status(r, "HTTP/1.1 404 Not Found");
  r = get("GET /link_dir_out/outside.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_status(r, "HTTP/1.1 404 Not Found");
  r = get("GET /link_dir_out/ HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_status(r, "HTTP/1.1 404 Not Found");
  // A link that stays inside is served.
  r = get("GET /link_in HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_status(r, "HTTP/1.1 200 OK");
  assert_string_equal(body(r), HELLO);
}

static void assert_serves(const char *uri, const char *content) {
  char req[512];
  const char *r;
  snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", uri);
  r = get(req);
  assert_status(r, "HTTP/1.1 200 OK");
  assert_string_equal(body(r), content);
}

static void test_symlinks_inside_root_served(void **state) {
  (void) state;
  assert_serves("/links/to_dir/a.txt", "a");     // Directory link
  assert_serves("/links/abs_in", HELLO);         // Absolute target
  assert_serves("/link_in", HELLO);
}

static void test_symlinks_leaving_root_refused(void **state) {
  (void) state;
  assert_refused("/links/up_out");
  assert_refused("/links/via_link_out/outside.txt");
  assert_refused("/links/via_link_out/");
  // An index file that is a link out of the root.
  assert_refused("/idxout/");
  assert_refused("/idxout/index.html");
}

// A .gz sibling that leads out of the root does not exist for the server:
// the plain file is sent, with no Vary.
static void test_gzip_sibling_outside_root_ignored(void **state) {
  const char *r = get("GET /gzout.css HTTP/1.1\r\nHost: x\r\n"
                      "Accept-Encoding: gzip\r\n\r\n");
  (void) state;
  assert_status(r, "HTTP/1.1 200 OK");
  assert_false(has_header(r, "Content-Encoding"));
  assert_false(has_header(r, "Vary"));
  assert_string_equal(body(r), "plain css\n");
}

// The check is made on every request: a file replaced by a link out of
// the root is refused from then on.
static void test_file_replaced_by_link_out_refused(void **state) {
  char path[512], target[512];
  (void) state;
  write_str(s_root, "swap.txt", "swap");
  assert_serves("/swap.txt", "swap");
  snprintf(path, sizeof(path), "%s/swap.txt", s_root);
  snprintf(target, sizeof(target), "%s/outside.txt", s_tmp);
  assert_int_equal(unlink(path), 0);
  assert_int_equal(symlink(target, path), 0);
  assert_refused("/swap.txt");
  assert_int_equal(unlink(path), 0);
}

// A file verified inside the root is remembered for a second (only files
// whose ctime is a second old: the test waits) and then opened without the
// full check, but only while opening its path gives that very file.
static void test_verified_file_changes_rechecked(void **state) {
  char path[512], out[512];
  (void) state;
  write_str(s_root, "aged1.txt", "aged one");
  write_str(s_root, "aged2.txt", "aged two");
  usleep(1100 * 1000);
  assert_serves("/aged1.txt", "aged one");  // Checked and remembered
  assert_serves("/aged1.txt", "aged one");  // Remembered
  assert_serves("/aged2.txt", "aged two");
  // Replaced by a link out of the root: another file, refused.
  snprintf(path, sizeof(path), "%s/aged1.txt", s_root);
  snprintf(out, sizeof(out), "%s/outside.txt", s_tmp);
  assert_int_equal(unlink(path), 0);
  assert_int_equal(symlink(out, path), 0);
  assert_refused("/aged1.txt");
  assert_int_equal(unlink(path), 0);
  // The very same file moved out of the root and linked back: the rename
  // changed its ctime, so it is checked again, and refused.
  snprintf(path, sizeof(path), "%s/aged2.txt", s_root);
  snprintf(out, sizeof(out), "%s/aged2_out.txt", s_tmp);
  assert_int_equal(rename(path, out), 0);
  assert_int_equal(symlink(out, path), 0);
  assert_status(get("GET /aged2.txt HTTP/1.1\r\nHost: x\r\n\r\n"),
                "HTTP/1.1 404 Not Found");
  assert_int_equal(unlink(path), 0);
  assert_int_equal(unlink(out), 0);
}

// A document root that is a symlink works, and re-pointing it takes
// effect at once (the root's resolved path is cached for a while).
static void test_root_symlink_repointed(void **state) {
  char link[256];
  (void) state;
  snprintf(link, sizeof(link), "%s/rootlink", s_tmp);
  assert_int_equal(symlink(s_root, link), 0);
  s_opts.document_root = link;
  assert_serves("/hello.txt", HELLO);
  assert_refused("/alt.txt");
  assert_int_equal(unlink(link), 0);
  assert_int_equal(symlink(s_alt, link), 0);
  assert_serves("/alt.txt", "from alt\n");
  assert_status(get("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"),
                "HTTP/1.1 404 Not Found");
  assert_int_equal(unlink(link), 0);
}

// ---- Gzip -------------------------------------------------------------------

static void test_gzip_served_when_accepted(void **state) {
  const char *r = get("GET /style.css HTTP/1.1\r\nHost: x\r\n"
                      "Accept-Encoding: deflate, gzip;q=0.5\r\n\r\n");
  (void) state;
  assert_status(r, "HTTP/1.1 200 OK");
  assert_header(r, "Content-Encoding", "gzip");
  assert_header(r, "Content-Type", "text/css; charset=utf-8");
  assert_header(r, "Vary", "Accept-Encoding");
  assert_string_equal(body(r), "GZDATA");
  r = get("GET /style.css HTTP/1.1\r\nHost: x\r\n"
          "Accept-Encoding: br, *\r\n\r\n");
  assert_string_equal(body(r), "GZDATA");
}

static void test_gzip_not_served_when_not_accepted(void **state) {
  static const char *encs[] = {"", "Accept-Encoding: br\r\n",
                               "Accept-Encoding: gzip;q=0\r\n",
                               "Accept-Encoding: gzip; q=0.000, *\r\n",
                               "Accept-Encoding: gzipx\r\n"};
  char req[256];
  size_t i;
  (void) state;
  for (i = 0; i < sizeof(encs) / sizeof(encs[0]); i++) {
    const char *r;
    snprintf(req, sizeof(req), "GET /style.css HTTP/1.1\r\nHost: x\r\n%s\r\n",
             encs[i]);
    r = get(req);
    assert_status(r, "HTTP/1.1 200 OK");
    assert_false(has_header(r, "Content-Encoding"));
    assert_header(r, "Vary", "Accept-Encoding");
    assert_string_equal(body(r), "body{color:red}\n");
  }
}

// ---- Methods ----------------------------------------------------------------

static void test_options_200_with_allow(void **state) {
  const char *r = get("OPTIONS /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  (void) state;
  assert_status(r, "HTTP/1.1 200 OK");
  assert_header(r, "Allow", "GET, HEAD, OPTIONS");
  assert_header(r, "Content-Length", "0");
  r = get("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_status(r, "HTTP/1.1 200 OK");
  assert_header(r, "Allow", "GET, HEAD, OPTIONS");
}

static void test_post_405_with_allow(void **state) {
  const char *r = get(
      "POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
  (void) state;
  assert_status(r, "HTTP/1.1 405 Method Not Allowed");
  assert_header(r, "Allow", "GET, HEAD, OPTIONS");
  r = get("DELETE /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_status(r, "HTTP/1.1 405 Method Not Allowed");
  assert_header(r, "Allow", "GET, HEAD, OPTIONS");
}

static void test_unknown_method_501(void **state) {
  const char *r = get("BREW /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  (void) state;
  assert_status(r, "HTTP/1.1 501 Not Implemented");
}

// ---- Options: ACL, rewrites, auth -------------------------------------------

static void test_ip_acl_403(void **state) {
  const char *r;
  (void) state;
  s_opts.ip_acl = "-0.0.0.0/0,+10.0.0.0/8";
  r = get("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_status(r, "HTTP/1.1 403 Forbidden");
  s_opts.ip_acl = "-0.0.0.0/0,+127.0.0.1";
  r = get("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_status(r, "HTTP/1.1 200 OK");
  s_opts.ip_acl = "bogus";
  r = get("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_status(r, "HTTP/1.1 403 Forbidden");
}

static void test_url_rewrite_prefix(void **state) {
  const char *r;
  (void) state;
  snprintf(s_rewrites, sizeof(s_rewrites), "/alias=%s", s_alt);
  s_opts.url_rewrites = s_rewrites;
  r = get("GET /alias/alt.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_status(r, "HTTP/1.1 200 OK");
  assert_string_equal(body(r), "from alt\n");
  // The prefix ends at a '/' boundary.
  r = get("GET /aliasx/alt.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_status(r, "HTTP/1.1 404 Not Found");
  r = get("GET /alias HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_status(r, "HTTP/1.1 301 Moved Permanently");
  assert_header(r, "Location", "/alias/");
  // Other paths still come from the document root.
  r = get("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_string_equal(body(r), HELLO);
  // No climbing out of the rewrite target.
  assert_refused("/alias/../../outside.txt");
}

static void test_url_rewrite_host(void **state) {
  const char *r;
  (void) state;
  snprintf(s_rewrites, sizeof(s_rewrites), "@vhost.example=%s", s_vhost);
  s_opts.url_rewrites = s_rewrites;
  r = get("GET /v.txt HTTP/1.1\r\nHost: VHost.example:8080\r\n\r\n");
  assert_status(r, "HTTP/1.1 200 OK");
  assert_string_equal(body(r), "from vhost\n");
  r = get("GET /v.txt HTTP/1.1\r\nHost: other.example\r\n\r\n");
  assert_status(r, "HTTP/1.1 404 Not Found");
  r = get("GET /hello.txt HTTP/1.1\r\nHost: other.example\r\n\r\n");
  assert_status(r, "HTTP/1.1 200 OK");
}

// "%port=url": a request on that port is redirected (301) with its path
// and query appended; another port's entry does not apply.
static void test_url_rewrite_port_redirect(void **state) {
  const char *r;
  (void) state;
  snprintf(s_rewrites, sizeof(s_rewrites),
           "%%1=https://wrong.example,%%%d=https://secure.example/", s_port);
  s_opts.url_rewrites = s_rewrites;
  r = get("GET /a/b.txt?x=1&y HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_status(r, "HTTP/1.1 301 Moved Permanently");
  assert_header(r, "Location", "https://secure.example/a/b.txt?x=1&y");
  r = get("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_header(r, "Location", "https://secure.example/hello.txt");
  snprintf(s_rewrites, sizeof(s_rewrites), "%%%d=https://s.example",
           s_port + 1 > 65535 ? 1 : s_port + 1);
  r = get("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_status(r, "HTTP/1.1 200 OK");
}

static void test_url_rewrite_first_match_wins(void **state) {
  const char *r;
  (void) state;
  snprintf(s_rewrites, sizeof(s_rewrites), "/nomatch=/nonexistent,"
           "@vhost.example=%s,/=%s", s_vhost, s_alt);
  s_opts.url_rewrites = s_rewrites;
  r = get("GET /v.txt HTTP/1.1\r\nHost: vhost.example\r\n\r\n");
  assert_status(r, "HTTP/1.1 200 OK");
  assert_string_equal(body(r), "from vhost\n");
  // "/" maps every path.
  r = get("GET /alt.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_status(r, "HTTP/1.1 200 OK");
  assert_string_equal(body(r), "from alt\n");
}

static void test_url_rewrite_proxy_upstream_down_502(void **state) {
  const char *r;
  (void) state;
  s_opts.url_rewrites = "/api=http://127.0.0.1:9";
  r = get("GET /api/x HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_status(r, "HTTP/1.1 502 Bad Gateway");
  assert_string_equal(body(r), "Bad Gateway");  // Nothing listens there
}

// Reads the nonce out of a 401's WWW-Authenticate header.
static void get_nonce(const char *resp, char *nonce, size_t len) {
  char v[512];
  const char *p, *e;
  header(resp, "WWW-Authenticate", v, sizeof(v));
  p = strstr(v, "nonce=\"");
  assert_non_null(p);
  p += 7;
  e = strchr(p, '"');
  assert_non_null(e);
  snprintf(nonce, len, "%.*s", (int) (e - p), p);
}

static void assert_auth_works(const char *uri, const char *content) {
  char req[1024], auth[512], nonce[128];
  const char *r;
  snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", uri);
  r = get(req);
  assert_status(r, "HTTP/1.1 401 Unauthorized");
  assert_non_null(strstr(r, "WWW-Authenticate: Digest"));
  get_nonce(r, nonce, sizeof(nonce));
  assert_true(mg_http_create_digest_auth_header(auth, sizeof(auth), "GET",
                                                uri, REALM, "joe", "secret",
                                                nonce) > 0);
  snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n%s\r\n\r\n", uri,
           auth);
  r = get(req);
  assert_status(r, "HTTP/1.1 200 OK");
  assert_string_equal(body(r), content);
  assert_true(mg_http_create_digest_auth_header(auth, sizeof(auth), "GET",
                                                uri, REALM, "joe", "wrong",
                                                nonce) > 0);
  snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n%s\r\n\r\n", uri,
           auth);
  assert_status(get(req), "HTTP/1.1 401 Unauthorized");
}

static void test_per_directory_auth(void **state) {
  (void) state;
  assert_auth_works("/auth/f.txt", "protected\n");
  // The auth file protects the directory's subtree too.
  assert_auth_works("/auth/sub/g.txt", "deeper\n");
  // Unprotected directories stay open.
  assert_status(get("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"),
                "HTTP/1.1 200 OK");
}

static void test_auth_file_never_served(void **state) {
  (void) state;
  assert_status(get("GET /auth/.htpasswd HTTP/1.1\r\nHost: x\r\n\r\n"),
                "HTTP/1.1 404 Not Found");
  assert_status(get("GET /auth/.HTPASSWD HTTP/1.1\r\nHost: x\r\n\r\n"),
                "HTTP/1.1 404 Not Found");
}

static void test_global_auth_file(void **state) {
  char path[256];
  const char *r;
  (void) state;
  snprintf(path, sizeof(path), "%s/auth/.htpasswd", s_root);
  s_opts.global_auth_file = path;
  s_opts.per_directory_auth_file = NULL;
  assert_auth_works("/hello.txt", HELLO);
  // A global file that does not exist refuses everything.
  s_opts.global_auth_file = "/nonexistent/htdigest";
  r = get("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_status(r, "HTTP/1.1 401 Unauthorized");
}

// ---- mg_http_serve_file() ---------------------------------------------------

static void test_serve_file_direct(void **state) {
  const char *r = get("GET /direct HTTP/1.1\r\nHost: x\r\n\r\n");
  (void) state;
  assert_status(r, "HTTP/1.1 200 OK");
  assert_header(r, "Content-Type", "text/x-direct");
  assert_header(r, "X-Direct", "1");
  assert_header(r, "Content-Length", "14");
  assert_string_equal(body(r), HELLO);
  r = get("GET /direct HTTP/1.1\r\nHost: x\r\nRange: bytes=7-11\r\n\r\n");
  assert_status(r, "HTTP/1.1 206 Partial Content");
  assert_string_equal(body(r), "world");
  r = get("GET /direct_fifo HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_status(r, "HTTP/1.1 403 Forbidden");
  r = get("GET /direct_missing HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_status(r, "HTTP/1.1 404 Not Found");
}

// Files below 16 KiB are read in one go, larger ones streamed: both sides
// of the boundary, an empty file, and a range of a small file.
static void check_sized_file(size_t size) {
  char name[64], req[128];
  unsigned char *data = (unsigned char *) malloc(size + 1);
  char *buf = (char *) malloc(size + 4096);
  size_t i, n;
  assert_true(data != NULL && buf != NULL);
  for (i = 0; i < size; i++) data[i] = big_byte(i + 3);
  snprintf(name, sizeof(name), "sized_%lu.bin", (unsigned long) size);
  write_file(s_root, name, data, size);
  snprintf(req, sizeof(req), "GET /%s HTTP/1.1\r\nHost: x\r\n\r\n", name);
  n = fetch_n(req, buf, size + 4096, 1);
  assert_status(buf, "HTTP/1.1 200 OK");
  assert_int_equal(n - (size_t) (body(buf) - buf), size);
  assert_memory_equal(body(buf), data, size);
  if (size > 300) {
    snprintf(req, sizeof(req),
             "GET /%s HTTP/1.1\r\nHost: x\r\nRange: bytes=100-299\r\n\r\n",
             name);
    n = fetch_n(req, buf, size + 4096, 1);
    assert_status(buf, "HTTP/1.1 206 Partial Content");
    assert_int_equal(n - (size_t) (body(buf) - buf), 200);
    assert_memory_equal(body(buf), data + 100, 200);
  }
  free(data);
  free(buf);
}

static void test_small_and_large_files_intact(void **state) {
  (void) state;
  check_sized_file(0);
  check_sized_file(1024);
  check_sized_file(16383);
  check_sized_file(16384);
  check_sized_file(65537);
}

// ---- Big files and pipelining -----------------------------------------------

static void check_big_file_download(void) {
  size_t cap = BIG_SIZE + 4096, n, i;
  char *buf = (char *) malloc(cap);
  const char *b;
  assert_non_null(buf);
  s_max_send_mbuf = 0;
  n = fetch_n("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n", buf, cap, 1);
  assert_status(buf, "HTTP/1.1 200 OK");
  assert_header(buf, "Content-Length", "1048576");
  b = body(buf);
  assert_int_equal(n - (size_t) (b - buf), BIG_SIZE);
  for (i = 0; i < BIG_SIZE; i++) {
    if ((unsigned char) b[i] != big_byte(i)) fail_msg("byte %zu differs", i);
  }
  // The file is streamed: send_mbuf never holds more than the 64 KiB
  // high-water mark plus a head.
  // (With sendfile it holds only the head: the file bypasses it.)
  assert_true(s_max_send_mbuf <= 65536 + 1024);
  free(buf);
}

// Large files go out with sendfile() on Linux.
static void test_big_file_download_intact(void **state) {
  (void) state;
  check_big_file_download();
}

// With a traffic dump the bytes must pass through send_mbuf: the file is
// read in bounded pieces instead of sent with sendfile().
static void test_big_file_download_intact_without_sendfile(void **state) {
  char path[] = "/tmp/mg_dump_XXXXXX";
  int fd = mkstemp(path);
  (void) state;
  assert_true(fd >= 0);
  close(fd);
  s_mgr.hexdump_file = path;
  check_big_file_download();
  s_mgr.hexdump_file = NULL;
  assert_true(s_max_send_mbuf > 65536 / 2);  // The file went through it
  unlink(path);
}

static void test_big_file_range_in_the_middle(void **state) {
  size_t cap = 300000, i;
  char *buf = (char *) malloc(cap);
  const char *b;
  (void) state;
  assert_non_null(buf);
  fetch_n("GET /big.bin HTTP/1.1\r\nHost: x\r\n"
          "Range: bytes=100000-299999\r\n\r\n",
          buf, cap, 1);
  assert_status(buf, "HTTP/1.1 206 Partial Content");
  assert_header(buf, "Content-Range", "bytes 100000-299999/1048576");
  b = body(buf);
  for (i = 0; i < 200000; i++) {
    if ((unsigned char) b[i] != big_byte(100000 + i)) {
      fail_msg("byte %zu differs", i);
    }
  }
  free(buf);
}

static void test_pipelined_gets_in_order(void **state) {
  char buf[4096];
  const char *second;
  size_t first_len, n;
  (void) state;
  n = fetch_n("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"
          "GET /dir/b.txt HTTP/1.1\r\nHost: x\r\n\r\n"
          "GET /big.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=0-2\r\n\r\n",
          buf, sizeof(buf), 3);
  assert_status(buf, "HTTP/1.1 200 OK");
  first_len = http_response_len(buf, n);
  assert_true(first_len > 0);
  assert_memory_equal(buf + first_len - 14, HELLO, 14);
  second = buf + first_len;
  assert_status(second, "HTTP/1.1 200 OK");
  assert_header(second, "Content-Length", "3");
  assert_memory_equal(body(second), "bbb", 3);
  second += http_response_len(second, n - first_len);
  assert_status(second, "HTTP/1.1 206 Partial Content");
  assert_header(second, "Content-Range", "bytes 0-2/1048576");
}

static void test_pipelined_after_big_file(void **state) {
  size_t cap = BIG_SIZE + 8192, n, len;
  char *buf = (char *) malloc(cap);
  (void) state;
  assert_non_null(buf);
  n = fetch_n("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"
              "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n",
              buf, cap, 2);
  len = http_response_len(buf, n);
  assert_true(len > BIG_SIZE);
  assert_status(buf + len, "HTTP/1.1 200 OK");
  assert_memory_equal(buf + n - 14, HELLO, 14);
  free(buf);
}

#define T(name) cmocka_unit_test_setup(name, test_setup)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(test_get_file),
      T(test_get_missing_file_404),
      T(test_absolute_form_target),
      T(test_special_file_403),
      T(test_head_same_headers_no_body),
      T(test_last_modified_is_imf_fixdate),
      T(test_builtin_mime_types),
      T(test_custom_mime_type),
      T(test_extra_headers_on_every_response),
      T(test_range_a_b),
      T(test_range_a_open),
      T(test_range_suffix),
      T(test_range_end_clamped),
      T(test_range_unsatisfiable_416),
      T(test_range_malformed_ignored),
      T(test_ranges_two_parts_multipart),
      T(test_ranges_keep_request_order),
      T(test_ranges_overlapping_coalesce),
      T(test_ranges_capped),
      T(test_ranges_big_file_multipart),
      T(test_if_range_mismatch_sends_whole_file),
      T(test_if_none_match_304),
      T(test_if_modified_since_304),
      T(test_if_modified_since_all_three_date_forms),
      T(test_if_none_match_takes_precedence_over_ims),
      T(test_dir_without_slash_301),
      T(test_index_file_served),
      T(test_listing_sorted_and_escaped),
      T(test_listing_human_sizes),
      T(test_listing_root_has_no_parent_link),
      T(test_listing_disabled_403),
      T(test_hidden_file_404),
      T(test_dotdot_refused),
      T(test_encoded_dotdot_refused),
      T(test_encoded_separators_refused),
      T(test_backslash_refused),
      T(test_nul_refused),
      T(test_bad_escape_400),
      T(test_plus_is_not_a_space),
      T(test_symlink_outside_root_refused),
      T(test_symlinks_inside_root_served),
      T(test_symlinks_leaving_root_refused),
      T(test_gzip_sibling_outside_root_ignored),
      T(test_file_replaced_by_link_out_refused),
      T(test_root_symlink_repointed),
      T(test_verified_file_changes_rechecked),
      T(test_gzip_served_when_accepted),
      T(test_gzip_not_served_when_not_accepted),
      T(test_options_200_with_allow),
      T(test_post_405_with_allow),
      T(test_unknown_method_501),
      T(test_ip_acl_403),
      T(test_url_rewrite_prefix),
      T(test_url_rewrite_host),
      T(test_url_rewrite_port_redirect),
      T(test_url_rewrite_first_match_wins),
      T(test_url_rewrite_proxy_upstream_down_502),
      T(test_per_directory_auth),
      T(test_auth_file_never_served),
      T(test_global_auth_file),
      T(test_serve_file_direct),
      T(test_small_and_large_files_intact),
      T(test_big_file_download_intact),
      T(test_big_file_download_intact_without_sendfile),
      T(test_big_file_range_in_the_middle),
      T(test_pipelined_gets_in_order),
      T(test_pipelined_after_big_file),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
