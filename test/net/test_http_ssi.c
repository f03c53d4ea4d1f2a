// Net tests for server-side includes (src/http_ssi.c) through
// mg_serve_http(): include virtual/file/abspath, call events, the depth
// limit, the document-root rules, exec refused without its switch,
// streaming with bounded memory, chunked (HTTP/1.1) and close-delimited
// (HTTP/1.0) bodies, HEAD.
#include "net_util.h"  // First: mongoose.h sets the feature macros

#include <dirent.h>

#define BIG_SIZE (1024 * 1024)

static char s_dir[64];      // Temporary
static char s_root[128];    // Document root
static char s_outside[160];  // A file outside the root
static struct mg_mgr s_mgr;
static struct mg_connection *s_lc;
static int s_port;
static struct mg_serve_http_opts s_opts;
static size_t s_max_send_mbuf;
static char s_ctx_seen[256];  // What MG_EV_SSI_CALL_CTX saw

static void write_file(const char *dir, const char *name, const char *data,
                       size_t len) {
  char path[512];
  FILE *fp;
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  fp = fopen(path, "wb");
  assert_non_null(fp);
  assert_int_equal(fwrite(data, 1, len, fp), len);
  fclose(fp);
}

static void write_str(const char *name, const char *data) {
  write_file(s_root, name, data, strlen(data));
}

static char big_byte(size_t i) {
  return (char) ('a' + (i * 7 + i / 251) % 26);
}

static void handler(struct mg_connection *nc, int ev, void *ev_data) {
  if (ev == MG_EV_HTTP_REQUEST) {
    mg_serve_http(nc, (struct http_message *) ev_data, s_opts);
  } else if (ev == MG_EV_SSI_CALL) {
    mg_printf(nc, "<call:%s>", (const char *) ev_data);
  } else if (ev == MG_EV_SSI_CALL_CTX) {
    struct mg_ssi_call_ctx *c = (struct mg_ssi_call_ctx *) ev_data;
    const char *slash = strrchr(c->file.p, '/');
    snprintf(s_ctx_seen, sizeof(s_ctx_seen), "%.*s %.*s %s %.*s",
             (int) c->req->method.len, c->req->method.p,
             (int) c->req->uri.len, c->req->uri.p,
             slash != NULL ? slash + 1 : c->file.p, (int) c->arg.len,
             c->arg.p);
    mg_printf(nc, "%s", "{ctx}");
  }
  if (nc->listener != NULL && nc->send_mbuf.len > s_max_send_mbuf) {
    s_max_send_mbuf = nc->send_mbuf.len;
  }
}

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

static int setup(void **state) {
  char sub[256], *big;
  size_t i;
  (void) state;
  snprintf(s_dir, sizeof(s_dir), "/tmp/mg_ssi_XXXXXX");
  if (mkdtemp(s_dir) == NULL) return -1;
  snprintf(s_root, sizeof(s_root), "%s/root", s_dir);
  snprintf(sub, sizeof(sub), "%s/inc", s_root);
  if (mkdir(s_root, 0755) != 0 || mkdir(sub, 0755) != 0) return -1;
  write_file(s_dir, "secret.txt", "SECRET", 6);
  snprintf(s_outside, sizeof(s_outside), "%s/secret.txt", s_dir);
  write_str("inc/part.html", "[part]");
  write_str("inc/sib.txt", "[sib]");
  write_str("inc/nested.shtml", "(n<!--#include file=\"sib.txt\" -->n)");
  write_str("inc/raw.html", "<!--#call no -->");  // Not SSI: copied
  write_str("private.hidden", "HIDDEN");
  write_str("loop.shtml", "L<!--#include virtual=\"loop.shtml\" -->");
  big = (char *) malloc(BIG_SIZE);
  assert_non_null(big);
  for (i = 0; i < BIG_SIZE; i++) big[i] = big_byte(i);
  write_file(s_root, "big.txt", big, BIG_SIZE);
  free(big);
  write_str("big.shtml", "<<!--#include virtual=\"/big.txt\" -->>");
  mg_mgr_init(&s_mgr, NULL);
  s_lc = mg_bind(&s_mgr, "127.0.0.1:0", handler);
  if (s_lc == NULL) return -1;
  mg_set_protocol_http_websocket(s_lc);
  s_port = conn_port(s_lc);
  return 0;
}

static int teardown(void **state) {
  (void) state;
  mg_mgr_free(&s_mgr);
  remove_tree(s_dir, 4);
  return 0;
}

static int test_setup(void **state) {
  (void) state;
  memset(&s_opts, 0, sizeof(s_opts));
  s_opts.document_root = s_root;
  s_opts.hidden_file_pattern = "*.hidden";
  s_ctx_seen[0] = '\0';
  return 0;
}

// Sends req, reads want responses (0: to the close) into buf.
static size_t fetch(const char *req, char *buf, size_t cap, int want,
                    int *closed) {
  int fd = raw_connect(s_port);
  size_t n;
  raw_send(&s_mgr, fd, req, strlen(req));
  n = raw_recv(&s_mgr, fd, buf, cap, want, closed, 10);
  close(fd);
  return n;
}

// Decodes the chunked body after the head of resp (n bytes) into out.
// Returns its length; fails the test on a framing error.
static size_t dechunk(const char *resp, size_t n, char *out, size_t cap) {
  const char *p = strstr(resp, "\r\n\r\n"), *end = resp + n;
  size_t len = 0, size;
  char *e;
  assert_non_null(p);
  p += 4;
  for (;;) {
    size = (size_t) strtoul(p, &e, 16);
    if (e == p || e + 2 > end || memcmp(e, "\r\n", 2) != 0) {
      fail_msg("bad chunk line at %ld", (long) (p - resp));
    }
    p = e + 2;
    if (size == 0) break;
    assert_true(p + size + 2 <= end);
    assert_true(len + size <= cap);
    memcpy(out + len, p, size);
    len += size;
    p += size;
    assert_memory_equal(p, "\r\n", 2);
    p += 2;
  }
  assert_memory_equal(p, "\r\n", 2);
  return len;
}

static char s_resp[BIG_SIZE + 65536];
static char s_body[BIG_SIZE + 1024];

// GET path as HTTP/1.1: the de-chunked body, NUL-terminated.
static const char *get_page(const char *path) {
  char req[512];
  size_t n, len;
  int closed;
  snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
  n = fetch(req, s_resp, sizeof(s_resp), 1, &closed);
  if (strncmp(s_resp, "HTTP/1.1 200 OK\r\n", 17) != 0) {
    fail_msg("GET %s: %.200s", path, s_resp);
  }
  assert_non_null(strstr(s_resp, "\r\nTransfer-Encoding: chunked\r\n"));
  assert_non_null(strstr(s_resp, "\r\nContent-Type: text/html"));
  len = dechunk(s_resp, n, s_body, sizeof(s_body) - 1);
  s_body[len] = '\0';
  return s_body;
}

static void test_ssi_include_forms_and_call(void **state) {
  char page[512];
  (void) state;
  snprintf(page, sizeof(page),
           "A<!--#include virtual=\"/inc/part.html\" -->"
           "B<!--#include file=\"inc/sib.txt\" -->"
           "C<!--#include \"inc/sib.txt\" -->"
           "D<!--#include abspath=\"%s\" -->"
           "E<!--#call hello world -->F<!-- plain comment -->G",
           s_outside);
  write_str("index.shtml", page);
  assert_string_equal(get_page("/index.shtml"),
                      "A[part]B[sib]C[sib]DSECRETE<call:hello world>{ctx}F"
                      "<!-- plain comment -->G");
  assert_string_equal(s_ctx_seen, "GET /index.shtml index.shtml hello world");
}

// An included SSI file is processed (file= relative to it); another file
// is copied as it is.
static void test_ssi_nested_and_raw_includes(void **state) {
  (void) state;
  write_str("n.shtml",
            "1<!--#include virtual=\"/inc/nested.shtml\" -->2"
            "<!--#include virtual=\"/inc/raw.html\" -->3");
  assert_string_equal(get_page("/n.shtml"), "1(n[sib]n)2<!--#call no -->3");
}

// A page that includes itself stops at MG_MAX_SSI_DEPTH files.
static void test_ssi_depth_limit(void **state) {
  const char *b;
  size_t i, n = 0;
  (void) state;
  b = get_page("/loop.shtml");
  for (i = 0; b[i] != '\0'; i++) n += b[i] == 'L';
  assert_int_equal(n, MG_MAX_SSI_DEPTH);
  assert_non_null(strstr(b, "<!-- SSI: include failed -->"));
}

// virtual= and file= stay inside the root; hidden files are refused; a
// bad or unknown directive leaves a comment; exec needs its switch.
static void test_ssi_refusals(void **state) {
#if MG_ENABLE_HTTP_SSI_EXEC
  const char *exec_out = "7hi\n8";
#else
  const char *exec_out = "7<!-- SSI: exec not enabled -->8";
#endif
  char want[512];
  (void) state;
  snprintf(want, sizeof(want), "%s%s",
           "1<!-- SSI: bad include -->"
           "2<!-- SSI: bad include -->"
           "3<!-- SSI: include failed -->"
           "4<!-- SSI: include failed -->"
           "5<!-- SSI: bad include -->"
           "6<!-- SSI: unknown directive -->",
           exec_out);
  write_str("bad.shtml",
            "1<!--#include virtual=\"/../secret.txt\" -->"
            "2<!--#include file=\"../secret.txt\" -->"
            "3<!--#include virtual=\"/private.hidden\" -->"
            "4<!--#include virtual=\"/nonexistent\" -->"
            "5<!--#include bogus -->"
            "6<!--#frobnicate -->"
            "7<!--#exec \"echo hi\" -->8");
  assert_string_equal(get_page("/bad.shtml"), want);
}

// Text that only looks like the start of a directive is text, even cut at
// the end of the file.
static void test_ssi_near_misses_are_text(void **state) {
  (void) state;
  write_str("text.shtml", "a<!-b<!--c<!--#include virtual=\"/inc/part.html\"");
  assert_string_equal(get_page("/text.shtml"),
                      "a<!-b<!--c<!--#include virtual=\"/inc/part.html\"");
}

// A directive longer than 512 bytes is not run: it goes out as text, and
// the page goes on; one just under the limit still runs.
static void test_ssi_overlong_directive_is_text(void **state) {
  char page[2048], pad[600], want[2048];
  (void) state;
  memset(pad, ' ', 520);
  pad[520] = '\0';
  snprintf(page, sizeof(page), "a<!--#include virtual=\"/inc/part.html\"%s-->b",
           pad);
  write_str("long.shtml", page);
  snprintf(want, sizeof(want), "%s", page);
  assert_string_equal(get_page("/long.shtml"), want);
  pad[400] = '\0';
  snprintf(page, sizeof(page), "a<!--#include virtual=\"/inc/part.html\"%s-->b",
           pad);
  write_str("long.shtml", page);
  assert_string_equal(get_page("/long.shtml"), "a[part]b");
}

// A 1 MiB include is streamed: bytes intact, send_mbuf bounded.
static void test_ssi_big_include_streamed(void **state) {
  const char *b;
  size_t i;
  (void) state;
  s_max_send_mbuf = 0;
  b = get_page("/big.shtml");
  assert_int_equal(strlen(b), BIG_SIZE + 2);
  assert_int_equal(b[0], '<');
  assert_int_equal(b[BIG_SIZE + 1], '>');
  for (i = 0; i < BIG_SIZE; i++) {
    if (b[i + 1] != big_byte(i)) fail_msg("byte %zu differs", i);
  }
  if (s_max_send_mbuf > 65536 + 32768) {
    fail_msg("send_mbuf grew to %zu", s_max_send_mbuf);
  }
}

// HTTP/1.0: no chunks, the body runs to the close. HEAD: the head only.
// Keep-alive: the next request is answered after the last chunk.
static void test_ssi_http10_head_and_keep_alive(void **state) {
  const char *b;
  size_t n;
  int closed;
  (void) state;
  n = fetch("GET /inc/nested.shtml HTTP/1.0\r\n\r\n", s_resp, sizeof(s_resp),
            0, &closed);
  assert_int_equal(closed, 1);
  assert_memory_equal(s_resp, "HTTP/1.1 200 OK\r\n", 17);
  assert_null(strstr(s_resp, "Transfer-Encoding"));
  b = strstr(s_resp, "\r\n\r\n");
  assert_non_null(b);
  assert_string_equal(b + 4, "(n[sib]n)");
  assert_int_equal(n, (size_t) (b + 4 - s_resp) + 9);
  fetch("HEAD /inc/nested.shtml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        s_resp, sizeof(s_resp), 0, &closed);
  assert_int_equal(closed, 1);
  b = strstr(s_resp, "\r\n\r\n");
  assert_non_null(b);
  assert_string_equal(b + 4, "");
  fetch("GET /inc/nested.shtml HTTP/1.1\r\nHost: x\r\n\r\n"
        "GET /inc/sib.txt HTTP/1.1\r\nHost: x\r\n\r\n",
        s_resp, sizeof(s_resp), 2, &closed);
  b = strstr(s_resp, "9\r\n(n[sib]n)\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n");
  if (b == NULL) fail_msg("not in order:\n%s", s_resp);
  assert_non_null(strstr(b, "\r\n\r\n[sib]"));
}

// ssi_pattern decides which files are processed.
static void test_ssi_pattern_option(void **state) {
  char buf[1024];
  int closed;
  (void) state;
  write_str("page.htm", "x<!--#include virtual=\"/inc/part.html\" -->y");
  fetch("GET /page.htm HTTP/1.1\r\nHost: x\r\n\r\n", buf, sizeof(buf), 1,
        &closed);
  assert_non_null(strstr(buf, "\r\n\r\nx<!--#include"));  // Default: not SSI
  s_opts.ssi_pattern = "**.htm$";
  assert_string_equal(get_page("/page.htm"), "x[part]y");
}

#define T(name) cmocka_unit_test_setup(name, test_setup)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(test_ssi_include_forms_and_call),
      T(test_ssi_nested_and_raw_includes),
      T(test_ssi_depth_limit),
      T(test_ssi_refusals),
      T(test_ssi_near_misses_are_text),
      T(test_ssi_overlong_directive_is_text),
      T(test_ssi_big_include_streamed),
      T(test_ssi_http10_head_and_keep_alive),
      T(test_ssi_pattern_option),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
