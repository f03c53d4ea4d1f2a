// Unit tests for src/http_parse.c: mg_http_parse / mg_parse_http (the rules
// of PROTOCOL_RULES.md that are parser concerns) and mg_http_parse_chunk.
// The header-field helpers (header lookup and parameters, Basic auth, form
// variables) are in test_http_header.c.
#include "mongoose.h"  // First: it sets the feature-test macros

#include <setjmp.h>

#include <cmocka.h>

// Every input is copied into a buffer of exactly its size, so that a read
// past n is an ASan report.
static char *dup_exact(const char *s, size_t n) {
  char *p = (char *) malloc(n > 0 ? n : 1);
  assert_non_null(p);
  if (n > 0) memcpy(p, s, n);
  return p;
}

// Asserts that slice s holds exactly the bytes of want.
static void assert_slice(struct mg_str s, const char *want) {
  assert_int_equal(s.len, strlen(want));
  if (s.len > 0) assert_memory_equal(s.p, want, s.len);
}

// Parses n bytes of s as a request (is_req) or reply; returns the result
// and the status. hm slices point into a freed copy: only lengths and
// offsets may be checked through hm after this returns, so tests that look
// at contents use parse_keep().
static int parse_n(const char *s, size_t n, int is_req, int *status) {
  struct http_message hm;
  char *p = dup_exact(s, n);
  int r;
  *status = -12345;
  r = mg_http_parse(p, n, &hm, is_req, status);
  free(p);
  return r;
}

static int parse_req(const char *s, int *status) {
  return parse_n(s, strlen(s), 1, status);
}

// Parses without copying, so hm stays valid while s does.
static int parse_keep(const char *s, struct http_message *hm, int is_req,
                      int *status) {
  return mg_http_parse(s, strlen(s), hm, is_req, status);
}

// Asserts that request s is rejected with the given status.
static void assert_req_status(const char *s, int want) {
  int status;
  assert_int_equal(parse_req(s, &status), -1);
  assert_int_equal(status, want);
}

// Asserts that request s is accepted as a whole head.
static void assert_req_ok(const char *s) {
  int status;
  assert_int_equal(parse_req(s, &status), (int) strlen(s));
  assert_int_equal(status, 0);
}

// ---- Request line ---------------------------------------------------------

static void test_http_parse_simple_get(void **state) {
  const char *s = "GET /a/b.html HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n";
  struct http_message hm;
  int status;
  (void) state;
  assert_int_equal(parse_keep(s, &hm, 1, &status), (int) strlen(s));
  assert_int_equal(status, 0);
  assert_slice(hm.method, "GET");
  assert_slice(hm.uri, "/a/b.html");
  assert_slice(hm.proto, "HTTP/1.1");
  assert_slice(hm.query_string, "");
  assert_slice(hm.header_names[0], "Host");
  assert_slice(hm.header_values[0], "x");
  assert_slice(hm.header_names[1], "Accept");
  assert_slice(hm.header_values[1], "*/*");
  assert_int_equal(hm.header_names[2].len, 0);
  assert_ptr_equal(hm.message.p, s);
  assert_int_equal(hm.message.len, strlen(s));
  assert_ptr_equal(hm.body.p, s + strlen(s));
  assert_int_equal(hm.body.len, 0);
  assert_int_equal(hm.resp_code, 0);
}

static void test_http_parse_query_string_split(void **state) {
  const char *s = "GET /p?a=1&b=?2 HTTP/1.1\r\nHost: x\r\n\r\n";
  struct http_message hm;
  int status;
  (void) state;
  assert_int_equal(parse_keep(s, &hm, 1, &status), (int) strlen(s));
  assert_slice(hm.uri, "/p");
  assert_slice(hm.query_string, "a=1&b=?2");
}

static void test_http_parse_leading_empty_lines_ignored(void **state) {
  const char *s = "\r\n\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\nBODY";
  size_t head = strlen(s) - 4;
  struct http_message hm;
  int status;
  (void) state;
  assert_int_equal(parse_keep(s, &hm, 1, &status), (int) head);
  assert_ptr_equal(hm.message.p, s + 5);
  assert_int_equal(hm.message.len, head - 5);
  assert_ptr_equal(hm.body.p, s + head);
  assert_slice(hm.method, "GET");
  // Only empty lines so far: more bytes are needed.
  assert_int_equal(parse_n("\r\n\r\n", 4, 1, &status), 0);
  assert_int_equal(parse_n("\r\n\r", 3, 1, &status), 0);
}

static void test_http_parse_bare_cr_before_request_line_rejected(void **s) {
  (void) s;
  assert_req_status("\rGET / HTTP/1.1\r\nHost: x\r\n\r\n", 400);
}

// As in 6.x, a first byte that cannot start a method (or "HTTP/") fails
// at once: the parser does not wait for the end of the line.
static void test_http_parse_non_token_first_byte_rejected_at_once(void **s) {
  static const char *const bad[] = {
      "\x01GET / HTTP/1.1", "\x01", " GET",  " ",         "\tGET",
      "\x16\x03\x01",       "\x80", "\r\n ", "\r\n\r\n(", "\n\x7f"};
  size_t i;
  int status;
  (void) s;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_int_equal(parse_n(bad[i], strlen(bad[i]), 1, &status), -1);
    assert_int_equal(status, 400);
    assert_int_equal(parse_n(bad[i], strlen(bad[i]), 0, &status), -1);
    assert_int_equal(status, 400);
  }
}

// The same through the 6.x entry point.
static void test_mg_parse_http_non_token_first_byte_returns_minus_1(void **s) {
  struct http_message hm;
  (void) s;
  assert_int_equal(mg_parse_http("\x01GET / HTTP/1.1", 16, &hm, 1), -1);
  assert_int_equal(mg_parse_http(" GET", 4, &hm, 1), -1);
  assert_int_equal(mg_parse_http("\x01", 1, &hm, 0), -1);
  assert_int_equal(mg_parse_http("G", 1, &hm, 1), 0);
}

// A lone CR or LF may start an empty line before the request line: more
// bytes are needed, and the empty lines are still skipped.
static void test_http_parse_leading_cr_or_lf_needs_more(void **state) {
  static const char *const partial[] = {"\r",     "\n",    "\r\n", "\n\n",
                                        "\r\n\r", "\r\nG", "GET"};
  size_t i;
  int status;
  (void) state;
  for (i = 0; i < sizeof(partial) / sizeof(partial[0]); i++) {
    assert_int_equal(parse_n(partial[i], strlen(partial[i]), 1, &status), 0);
    assert_int_equal(status, 0);
  }
  assert_req_ok("\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
}

static void test_http_parse_one_byte_at_a_time(void **state) {
  const char *s =
      "\r\nPOST /upload?x=1 HTTP/1.1\r\nHost: example.com\r\n"
      "Content-Length: 5\r\nX-Empty:\r\nX-Tab:\tv\t\r\n\r\n";
  size_t i, n = strlen(s);
  int status;
  (void) state;
  for (i = 0; i < n; i++) {
    assert_int_equal(parse_n(s, i, 1, &status), 0);
    assert_int_equal(status, 0);
  }
  assert_int_equal(parse_n(s, n, 1, &status), (int) n);
}

static void test_http_parse_lf_line_endings_accepted(void **state) {
  const char *s = "GET / HTTP/1.1\nHost: x\nA: b\r\n\n";
  struct http_message hm;
  int status;
  (void) state;
  assert_int_equal(parse_keep(s, &hm, 1, &status), (int) strlen(s));
  assert_slice(hm.header_values[0], "x");
  assert_slice(hm.header_values[1], "b");
}

static void test_http_parse_bare_cr_rejected(void **state) {
  (void) state;
  assert_req_status("GET / HTTP/1.1\r\nHost: x\ry\r\n\r\n", 400);
  assert_req_status("GET / HTTP/1.1\rHost: x\r\n\r\n", 400);
  assert_req_status("GET / HTTP/1.1\r\nHost: x\r\n\rX", 400);
}

static void test_http_parse_method_non_token_rejected(void **state) {
  (void) state;
  assert_req_status("G(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400);
  assert_req_status("GE\x01T / HTTP/1.1\r\nHost: x\r\n\r\n", 400);
  assert_req_status("G\"T / HTTP/1.1\r\nHost: x\r\n\r\n", 400);
  assert_req_status(" GET / HTTP/1.1\r\nHost: x\r\n\r\n", 400);
  // An unknown but well-formed method is the server's business (501).
  assert_req_ok("BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n");
}

static void test_http_parse_request_line_spacing_strict(void **state) {
  (void) state;
  assert_req_status("GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400);
  assert_req_status("GET /  HTTP/1.1\r\nHost: x\r\n\r\n", 400);
  assert_req_status("GET / HTTP/1.1 \r\nHost: x\r\n\r\n", 400);
  assert_req_status("GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n", 400);
  assert_req_status("GET /\r\n\r\n", 400);  // HTTP/0.9
  assert_req_status("GET\r\n\r\n", 400);
}

static void test_http_parse_http2_version_is_505(void **state) {
  (void) state;
  assert_req_status("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505);
  assert_req_status("GET / HTTP/2\r\nHost: x\r\n\r\n", 505);
  assert_req_status("GET / HTTP/3\r\nHost: x\r\n\r\n", 505);
  assert_req_status("GET / HTTP/0.9\r\nHost: x\r\n\r\n", 505);
}

// RFC 9110 2.5: a higher minor version of HTTP/1 is served as HTTP/1.1,
// which is what hm.proto then says (so keep-alive, Expect and WebSocket
// rules treat it as 1.1), requests and responses alike.
static void test_http_parse_higher_minor_is_http11(void **state) {
  const char *s = "GET / HTTP/1.2\r\nHost: x\r\n\r\n";
  const char *r = "HTTP/1.9 200 OK\r\nContent-Length: 0\r\n\r\n";
  struct http_message hm;
  int status;
  (void) state;
  assert_int_equal(parse_keep(s, &hm, 1, &status), (int) strlen(s));
  assert_slice(hm.proto, "HTTP/1.1");
  assert_int_equal(parse_keep(r, &hm, 0, &status), (int) strlen(r));
  assert_slice(hm.proto, "HTTP/1.1");
  assert_int_equal(hm.resp_code, 200);
  // It needs a Host like HTTP/1.1.
  assert_req_status("GET / HTTP/1.5\r\n\r\n", 400);
}

// A byte that cannot be part of a request line fails at once, before the
// line ends (binary garbage, a TLS record after its first bytes).
static void test_http_parse_bad_prefix_fails_early(void **state) {
  static const char *bad[] = {
      "GET\x01",       "GET /a\x01",      "GET / HTTX",     "GET / HTTP/x",
      "GET / HTTP/1x", "GET  /",          "GET / HTTP/1.1x", "\x16\x03\x01",
      "GET\t",         "GET / HTTP/1.1 ", "G:T"};
  static const char *more[] = {"GET",     "GET ",          "GET /a",
                               "GET /a ", "GET / HTTP/1.", "GET / HTTP/1.1",
                               "GET / H", "GET / HTTP/1.1\r"};
  size_t i;
  int status;
  (void) state;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    if (parse_req(bad[i], &status) != -1 || status != 400) {
      fail_msg("\"%s\": want 400 at once, got status %d", bad[i], status);
    }
  }
  for (i = 0; i < sizeof(more) / sizeof(more[0]); i++) {
    if (parse_req(more[i], &status) != 0) {
      fail_msg("\"%s\": want 0 (more bytes), got status %d", more[i], status);
    }
  }
}

// Host = uri-host [":" port] (RFC 9112 3.2 and 7.2, RFC 3986 3.2.2).
static void test_http_parse_host_value_checked(void **state) {
  static const char *good[] = {"",
                               "example.com",
                               "example.com:8080",
                               "127.0.0.1:80",
                               "[::1]",
                               "[::1]:8000",
                               "[fe80::1%25eth0]",
                               "a-b_c~d.e",
                               "x:",
                               "%41bc"};
  static const char *bad[] = {"a b", "a/b", "[::1", "::1]", "[]", "a:8x",
                              "a@b", "a?b", "a#b", "[::1]x", "a:1:2",
                              "\"a\"", "a\\b", "a[b]"};
  char req[256];
  size_t i;
  (void) state;
  for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
    snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", good[i]);
    assert_req_ok(req);
  }
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", bad[i]);
    assert_req_status(req, 400);
  }
  // HTTP/1.0 too, when it has one.
  assert_req_status("GET / HTTP/1.0\r\nHost: a b\r\n\r\n", 400);
}

// RFC 9112 3: request lines of 8000 octets are served.
static void test_http_parse_8000_octet_request_line(void **state) {
  char *s = (char *) malloc(8100);
  int status;
  (void) state;
  assert_non_null(s);
  memcpy(s, "GET /", 5);
  memset(s + 5, 'a', 8000 - 5 - 9);
  strcpy(s + 8000 - 9, " HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_int_equal(strlen(s), 8000 + 13);
  assert_int_equal(parse_req(s, &status), (int) strlen(s));
  assert_int_equal(status, 0);
  free(s);
}

static void test_http_parse_invalid_version_is_400(void **state) {
  (void) state;
  assert_req_status("GET / HTTP/1.32\r\nHost: x\r\n\r\n", 400);
  assert_req_status("GET / HTTP/x\r\nHost: x\r\n\r\n", 400);
  assert_req_status("GET / http/1.1\r\nHost: x\r\n\r\n", 400);
  assert_req_status("GET / HTTP/1.\r\nHost: x\r\n\r\n", 400);
  assert_req_status("GET / HTTP/\r\nHost: x\r\n\r\n", 400);
  assert_req_status("GET / FOO\r\nHost: x\r\n\r\n", 400);
}

static void test_http_parse_http10_without_host_accepted(void **state) {
  const char *s = "GET / HTTP/1.0\r\n\r\n";
  struct http_message hm;
  int status;
  (void) state;
  assert_int_equal(parse_keep(s, &hm, 1, &status), (int) strlen(s));
  assert_slice(hm.proto, "HTTP/1.0");
}

static void test_http_parse_missing_host_rejected(void **state) {
  (void) state;
  assert_req_status("GET / HTTP/1.1\r\nHostname: x\r\n\r\n", 400);
}

static void test_http_parse_two_hosts_rejected(void **state) {
  (void) state;
  assert_req_status("GET / HTTP/1.1\r\nHost: x\r\nhost: x\r\n\r\n", 400);
  assert_req_status("GET / HTTP/1.0\r\nHost: x\r\nHost: y\r\n\r\n", 400);
}

static void test_http_parse_absolute_form_accepted(void **state) {
  const char *s = "GET http://h:8/x?q=1 HTTP/1.1\r\nHost: h:8\r\n\r\n";
  struct http_message hm;
  int status;
  (void) state;
  assert_int_equal(parse_keep(s, &hm, 1, &status), (int) strlen(s));
  assert_slice(hm.uri, "http://h:8/x");
  assert_slice(hm.query_string, "q=1");
  assert_req_ok("GET https://h HTTP/1.1\r\nHost: h\r\n\r\n");
  assert_req_status("GET http:/x HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  assert_req_status("GET http:///x HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  assert_req_status("GET ://h/x HTTP/1.1\r\nHost: h\r\n\r\n", 400);
  assert_req_status("GET 1http://h/ HTTP/1.1\r\nHost: h\r\n\r\n", 400);
}

static void test_http_parse_asterisk_only_for_options(void **state) {
  const char *s = "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n";
  struct http_message hm;
  int status;
  (void) state;
  assert_int_equal(parse_keep(s, &hm, 1, &status), (int) strlen(s));
  assert_slice(hm.uri, "*");
  assert_req_status("GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400);
  assert_req_status("OPTIONS ** HTTP/1.1\r\nHost: x\r\n\r\n", 400);
}

static void test_http_parse_authority_form_only_for_connect(void **state) {
  const char *s = "CONNECT example.com:443 HTTP/1.1\r\nHost: x\r\n\r\n";
  struct http_message hm;
  int status;
  (void) state;
  assert_int_equal(parse_keep(s, &hm, 1, &status), (int) strlen(s));
  assert_slice(hm.uri, "example.com:443");
  assert_req_ok("CONNECT [::1]:80 HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_req_status("GET example.com:443 HTTP/1.1\r\nHost: x\r\n\r\n", 400);
  assert_req_status("CONNECT / HTTP/1.1\r\nHost: x\r\n\r\n", 400);
  assert_req_status("CONNECT example.com HTTP/1.1\r\nHost: x\r\n\r\n", 400);
  assert_req_status("CONNECT h:80x HTTP/1.1\r\nHost: x\r\n\r\n", 400);
  assert_req_status("CONNECT :80 HTTP/1.1\r\nHost: x\r\n\r\n", 400);
  assert_req_status("CONNECT u@h:80 HTTP/1.1\r\nHost: x\r\n\r\n", 400);
}

static void test_http_parse_bad_target_rejected(void **state) {
  (void) state;
  assert_req_status("GET foo HTTP/1.1\r\nHost: x\r\n\r\n", 400);
  assert_req_status("GET ?a HTTP/1.1\r\nHost: x\r\n\r\n", 400);
  assert_req_status("GET /a\x01 HTTP/1.1\r\nHost: x\r\n\r\n", 400);
  assert_req_status("GET /a\x7f HTTP/1.1\r\nHost: x\r\n\r\n", 400);
  assert_req_status("GET /a\tb HTTP/1.1\r\nHost: x\r\n\r\n", 400);
  assert_req_status("GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400);
}

// A request line of exactly len bytes: "GET /aaa... HTTP/1.1".
static char *make_request_line(size_t len, const char *rest) {
  size_t i, n = len + strlen(rest);
  char *s = (char *) malloc(n + 1);
  assert_non_null(s);
  memcpy(s, "GET /", 5);
  for (i = 5; i < len - 9; i++) s[i] = 'a';
  memcpy(s + len - 9, " HTTP/1.1", 9);
  memcpy(s + len, rest, strlen(rest) + 1);
  return s;
}

static void test_http_parse_request_line_too_long_is_414(void **state) {
  char *s =
      make_request_line(MG_MAX_HTTP_REQUEST_LINE + 1, "\r\nHost: x\r\n\r\n");
  int status;
  (void) state;
  assert_int_equal(parse_req(s, &status), -1);
  assert_int_equal(status, 414);
  // Also before the line is complete: as soon as the limit is passed.
  assert_int_equal(parse_n(s, MG_MAX_HTTP_REQUEST_LINE, 1, &status), 0);
  assert_int_equal(parse_n(s, MG_MAX_HTTP_REQUEST_LINE + 1, 1, &status), -1);
  assert_int_equal(status, 414);
  free(s);
}

static void test_http_parse_request_line_at_limit_accepted(void **state) {
  char *s = make_request_line(MG_MAX_HTTP_REQUEST_LINE, "\r\nHost: x\r\n\r\n");
  (void) state;
  assert_req_ok(s);
  free(s);
}

// ---- Header fields --------------------------------------------------------

static void test_http_parse_header_value_ows_stripped(void **state) {
  const char *s =
      "GET / HTTP/1.1\r\nHost:x\r\nA: \t b c \t \r\nB:\r\nC:   \r\n\r\n";
  struct http_message hm;
  int status;
  (void) state;
  assert_int_equal(parse_keep(s, &hm, 1, &status), (int) strlen(s));
  assert_slice(hm.header_values[0], "x");
  assert_slice(hm.header_values[1], "b c");
  assert_slice(hm.header_names[2], "B");
  assert_slice(hm.header_values[2], "");
  assert_slice(hm.header_values[3], "");
}

static void test_http_parse_header_without_colon_rejected(void **state) {
  (void) state;
  assert_req_status("GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", 400);
}

static void test_http_parse_empty_header_name_rejected(void **state) {
  (void) state;
  assert_req_status("GET / HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n", 400);
}

static void test_http_parse_space_before_colon_rejected(void **state) {
  (void) state;
  assert_req_status(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length : 3\r\n\r\nabc", 400);
  assert_req_status("GET / HTTP/1.1\r\nHost\t: x\r\n\r\n", 400);
}

static void test_http_parse_non_token_header_name_rejected(void **state) {
  (void) state;
  assert_req_status("GET / HTTP/1.1\r\nHost: x\r\nA(b: v\r\n\r\n", 400);
  assert_req_status("GET / HTTP/1.1\r\nHost: x\r\nA\x80: v\r\n\r\n", 400);
  assert_req_status("GET / HTTP/1.1\r\nHost: x\r\nA b: v\r\n\r\n", 400);
}

static void test_http_parse_obs_fold_rejected(void **state) {
  (void) state;
  assert_req_status("GET / HTTP/1.1\r\nHost: x\r\nA: b\r\n c\r\n\r\n", 400);
  assert_req_status("GET / HTTP/1.1\r\nHost: x\r\nA: b\r\n\tc\r\n\r\n", 400);
}

static void test_http_parse_whitespace_before_first_header_rejected(void **s) {
  (void) s;
  assert_req_status("GET / HTTP/1.1\r\n Host: x\r\n\r\n", 400);
  assert_req_status("GET / HTTP/1.1\r\n\tHost: x\r\n\r\n", 400);
}

static void test_http_parse_control_chars_in_value_rejected(void **state) {
  static const char nul[] = "GET / HTTP/1.1\r\nHost: x\r\nA: b\0c\r\n\r\n";
  int status;
  (void) state;
  assert_int_equal(parse_n(nul, sizeof(nul) - 1, 1, &status), -1);
  assert_int_equal(status, 400);
  assert_req_status("GET / HTTP/1.1\r\nHost: x\r\nA: b\x01\r\n\r\n", 400);
  assert_req_status("GET / HTTP/1.1\r\nHost: x\r\nA: b\x1f\r\n\r\n", 400);
  assert_req_status("GET / HTTP/1.1\r\nHost: x\r\nA: b\x7f\r\n\r\n", 400);
  assert_req_status("GET / HTTP/1.1\r\nHost: x\r\nA: b\rc\r\n\r\n", 400);
}

static void test_http_parse_tab_and_obs_text_in_value_accepted(void **s) {
  (void) s;
  assert_req_ok("GET / HTTP/1.1\r\nHost: x\r\nA: b\tc \xc3\xa9\r\n\r\n");
}

// A request with num headers "Xn: v" besides Host; caller frees.
static char *make_headers(int num) {
  size_t cap = 64 + (size_t) num * 16, n;
  char *s = (char *) malloc(cap);
  int i;
  assert_non_null(s);
  n = (size_t) sprintf(s, "GET / HTTP/1.1\r\nHost: x\r\n");
  for (i = 0; i < num; i++) n += (size_t) sprintf(s + n, "X%d: v\r\n", i);
  strcpy(s + n, "\r\n");
  return s;
}

static void test_http_parse_too_many_headers_is_431(void **state) {
  char *ok = make_headers(MG_MAX_HTTP_HEADERS - 1);
  char *bad = make_headers(MG_MAX_HTTP_HEADERS);
  struct http_message hm;
  int status;
  (void) state;
  assert_int_equal(parse_keep(ok, &hm, 1, &status), (int) strlen(ok));
  assert_slice(hm.header_names[MG_MAX_HTTP_HEADERS - 1], "X38");
  assert_req_status(bad, 431);
  free(ok);
  free(bad);
}

// A request whose head is exactly len bytes, padded with one header.
static char *make_head(size_t len) {
  const char *start = "GET / HTTP/1.1\r\nHost: x\r\nX: ";
  size_t n = strlen(start);
  char *s = (char *) malloc(len + 1);
  assert_non_null(s);
  memcpy(s, start, n);
  memset(s + n, 'v', len - n - 4);
  memcpy(s + len - 4, "\r\n\r\n", 5);
  return s;
}

// A Content-Length too large for size_t (SIZE_MAX / 2 at most: 2^63 - 1,
// or 2^31 - 1 on 32-bit systems) is 413, not a wrapped length nor 400.
static void test_http_parse_content_length_too_large_is_413(void **state) {
  char req[256];
  struct http_message hm;
  int status, n;
  (void) state;
  // Past 64 bits it is malformed (PROTOCOL_RULES.md): 400.
  assert_req_status(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
      400);
  assert_req_status(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 9999999999999999999\r\n\r\n",
      413);
  snprintf(req, sizeof(req),
           "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %llu\r\n\r\n",
           (unsigned long long) ((size_t) -1 / 2) + 1);
  assert_req_status(req, 413);
  // 4294967296 wraps to 0 in a 32-bit size_t: never taken as 0.
  n = parse_keep(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4294967296\r\n\r\n", &hm, 1,
      &status);
  if (sizeof(size_t) == 4) {
    assert_int_equal(n, -1);
    assert_int_equal(status, 413);
  } else {
    assert_true(n > 0);
    assert_true(hm.body.len == (size_t) 4294967296ULL);
  }
  snprintf(req, sizeof(req),
           "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %llu\r\n\r\n",
           (unsigned long long) ((size_t) -1 / 2));
  assert_int_equal(parse_keep(req, &hm, 1, &status), (int) strlen(req));
  assert_true(hm.body.len == (size_t) -1 / 2);
  // Malformed stays 400, even after many digits.
  assert_req_status(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999x\r\n\r\n",
      400);
}

static void test_http_parse_head_too_large_is_431(void **state) {
  char *s = make_head(MG_MAX_HTTP_REQUEST_SIZE + 1);
  int status;
  (void) state;
  assert_req_status(s, 431);
  // Without a blank line within the limit, before the head is complete.
  assert_int_equal(parse_n(s, MG_MAX_HTTP_REQUEST_SIZE - 1, 1, &status), 0);
  assert_int_equal(parse_n(s, MG_MAX_HTTP_REQUEST_SIZE, 1, &status), -1);
  assert_int_equal(status, 431);
  free(s);
}

static void test_http_parse_head_at_size_limit_accepted(void **state) {
  char *s = make_head(MG_MAX_HTTP_REQUEST_SIZE);
  (void) state;
  assert_req_ok(s);
  free(s);
}

static void test_http_parse_endless_empty_lines_are_431(void **state) {
  char *s = (char *) malloc(MG_MAX_HTTP_REQUEST_SIZE + 2);
  int i, status;
  (void) state;
  assert_non_null(s);
  for (i = 0; i < MG_MAX_HTTP_REQUEST_SIZE + 2; i += 2)
    memcpy(s + i, "\r\n", 2);
  assert_int_equal(parse_n(s, MG_MAX_HTTP_REQUEST_SIZE + 2, 1, &status), -1);
  assert_int_equal(status, 431);
  free(s);
}

static void test_http_parse_unused_header_slots_zeroed(void **state) {
  const char *s = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  struct http_message hm;
  int i, status;
  (void) state;
  memset(&hm, 0x5a, sizeof(hm));
  assert_int_equal(parse_keep(s, &hm, 1, &status), (int) strlen(s));
  for (i = 1; i < MG_MAX_HTTP_HEADERS; i++) {
    assert_null(hm.header_names[i].p);
    assert_int_equal(hm.header_names[i].len, 0);
    assert_null(hm.header_values[i].p);
  }
  assert_null(hm.resp_status_msg.p);
}

// ---- Framing: Content-Length and Transfer-Encoding -------------------------

static void test_http_parse_content_length_sets_body(void **state) {
  const char *s = "POST /f HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab";
  size_t head = strlen(s) - 2;
  struct http_message hm;
  int status;
  (void) state;
  assert_int_equal(parse_keep(s, &hm, 1, &status), (int) head);
  assert_ptr_equal(hm.body.p, s + head);
  assert_int_equal(hm.body.len, 10);
  // 6.x: message covers head and body, even before the body has arrived.
  assert_ptr_equal(hm.message.p, s);
  assert_int_equal(hm.message.len, head + 10);
}

static void test_http_parse_content_length_not_digits_rejected(void **state) {
  static const char *const bad[] = {"+1",   "-48", "1Z", "", "1 2",
                                    "0x10", "1.0", "1;", " "};
  char buf[128];
  size_t i;
  (void) state;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    sprintf(buf, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %s\r\n\r\n",
            bad[i]);
    assert_req_status(buf, 400);
  }
  assert_req_ok("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 007\r\n\r\n");
}

static void test_http_parse_content_length_overflow_rejected(void **state) {
  (void) state;
  assert_req_status(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: "
      "18446744073709551616\r\n\r\n",
      400);
  assert_req_status(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: "
      "99999999999999999999999999999\r\n\r\n",
      400);
  // 2^64 - 1 is a number, just too large to take: 413.
  assert_req_status(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: "
      "18446744073709551615\r\n\r\n",
      413);
}

static void test_http_parse_content_length_largest_accepted(void **state) {
  char buf[128];
  struct http_message hm;
  int status;
  size_t max = ((size_t) -1) / 2;
  (void) state;
  sprintf(buf, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %lu\r\n\r\n",
          (unsigned long) max);
  assert_int_equal(parse_keep(buf, &hm, 1, &status), (int) strlen(buf));
  assert_true(hm.body.len == max);
  sprintf(buf, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %lu\r\n\r\n",
          (unsigned long) max + 1);
  assert_req_status(buf, 413);
}

static void test_http_parse_content_length_list_rejected(void **state) {
  (void) state;
  assert_req_status("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1,2\r\n\r\n",
                    400);
  assert_req_status(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 1\r\n\r\n", 400);
}

static void test_http_parse_duplicate_content_length_rejected(void **state) {
  (void) state;
  assert_req_status(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
      "content-length: 2\r\n\r\n",
      400);
}

static void test_http_parse_identical_content_lengths_accepted(void **s) {
  const char *r =
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
      "Content-Length: 3\r\n\r\n";
  struct http_message hm;
  int status;
  (void) s;
  assert_int_equal(parse_keep(r, &hm, 1, &status), (int) strlen(r));
  assert_int_equal(hm.body.len, 3);
}

static void test_http_parse_content_length_with_chunked_rejected(void **s) {
  (void) s;
  assert_req_status(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
      "Transfer-Encoding: chunked\r\n\r\n",
      400);
  assert_req_status(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
      "Content-Length: 3\r\n\r\n",
      400);
}

static void test_http_parse_chunked_request_has_unknown_length(void **s) {
  const char *r =
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n";
  size_t head = strlen(r) - 3;
  struct http_message hm;
  int status;
  (void) s;
  assert_int_equal(parse_keep(r, &hm, 1, &status), (int) head);
  assert_true(hm.body.len == (size_t) -1);
  assert_ptr_equal(hm.body.p, r + head);
  assert_int_equal(hm.message.len, head);
}

static void test_http_parse_transfer_encoding_case_insensitive(void **s) {
  struct http_message hm;
  int status;
  const char *r =
      "POST / HTTP/1.1\r\nHost: x\r\ntransfer-encoding: gzip, CHUNKED\r\n\r\n";
  (void) s;
  assert_int_equal(parse_keep(r, &hm, 1, &status), (int) strlen(r));
  assert_true(hm.body.len == (size_t) -1);
}

static void test_http_parse_chunked_not_last_rejected(void **state) {
  (void) state;
  assert_req_status(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
      400);
  assert_req_status(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400);
  assert_req_status(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
      "Transfer-Encoding: gzip\r\n\r\n",
      400);
  assert_req_status("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n\r\n",
                    400);
}

static void test_http_parse_chunked_twice_rejected(void **state) {
  (void) state;
  assert_req_status(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n"
      "\r\n",
      400);
  assert_req_status(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
      "Transfer-Encoding: chunked\r\n\r\n",
      400);
}

static void test_http_parse_unknown_transfer_coding_is_501(void **state) {
  (void) state;
  assert_req_status(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: blegh\r\n\r\n", 501);
  assert_req_status(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: blegh, chunked\r\n"
      "\r\n",
      501);
  assert_req_status(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n", 501);
}

static void test_http_parse_empty_coding_list_element_ignored(void **s) {
  (void) s;
  assert_req_ok(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ,chunked\r\n"
      "\r\n");
  assert_req_ok(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, ,,"
      "chunked ,\r\n\r\n");
}

static void test_http_parse_transfer_encoding_in_http10_rejected(void **s) {
  (void) s;
  assert_req_status("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
                    400);
}

// ---- Responses -----------------------------------------------------------

static void test_http_parse_response_status_line(void **state) {
  const char *s = "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nabc";
  struct http_message hm;
  int status;
  (void) state;
  assert_int_equal(parse_keep(s, &hm, 0, &status), (int) strlen(s) - 3);
  assert_int_equal(status, 0);
  assert_slice(hm.proto, "HTTP/1.1");
  assert_int_equal(hm.resp_code, 404);
  assert_slice(hm.resp_status_msg, "Not Found");
  assert_int_equal(hm.body.len, 3);
  assert_int_equal(hm.message.len, strlen(s));
  assert_int_equal(hm.method.len, 0);
}

static void test_http_parse_response_empty_reason_accepted(void **state) {
  const char *a = "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n";
  const char *b = "HTTP/1.0 200 \r\n\r\n";
  struct http_message hm;
  int status;
  (void) state;
  assert_int_equal(parse_keep(a, &hm, 0, &status), (int) strlen(a));
  assert_int_equal(hm.resp_code, 200);
  assert_slice(hm.resp_status_msg, "");
  assert_int_equal(parse_keep(b, &hm, 0, &status), (int) strlen(b));
  assert_slice(hm.resp_status_msg, "");
}

static void test_http_parse_response_bad_status_line_rejected(void **state) {
  static const char *const bad[] = {
      "HTTP/1.1 20 OK",      "HTTP/1.1 2000 OK", "HTTP/1.1 abc OK",
      "HTTP/1.1 099 OK",     "HTTP/1.1  200 OK", "HTTP/1.1",
      "HTTP/1.1 200 O\x01K", "HTTP/1.1 ",        "HTTP/1.1\t200 OK"};
  char buf[64];
  size_t i;
  int status;
  (void) state;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    sprintf(buf, "%s\r\n\r\n", bad[i]);
    assert_int_equal(parse_n(buf, strlen(buf), 0, &status), -1);
    assert_int_equal(status, 400);
  }
  assert_int_equal(parse_n("HTTP/2 200 OK\r\n\r\n", 17, 0, &status), -1);
  assert_int_equal(status, 505);
}

static void test_http_parse_response_without_body_codes(void **state) {
  static const int codes[] = {100, 101, 199, 204, 304};
  char buf[128];
  struct http_message hm;
  size_t i;
  int status;
  (void) state;
  for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
    sprintf(buf, "HTTP/1.1 %d X\r\nContent-Length: 5\r\n\r\n", codes[i]);
    assert_int_equal(parse_keep(buf, &hm, 0, &status), (int) strlen(buf));
    assert_int_equal(hm.body.len, 0);
    assert_int_equal(hm.message.len, strlen(buf));
  }
}

static void test_http_parse_response_transfer_encoding_wins(void **state) {
  const char *s =
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  struct http_message hm;
  int status;
  (void) state;
  assert_int_equal(parse_keep(s, &hm, 0, &status), (int) strlen(s));
  assert_true(hm.body.len == (size_t) -1);
}

static void test_http_parse_response_close_delimited(void **state) {
  const char *a = "HTTP/1.1 200 OK\r\nX: y\r\n\r\n";
  const char *b = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n";
  struct http_message hm;
  int status;
  (void) state;
  assert_int_equal(parse_keep(a, &hm, 0, &status), (int) strlen(a));
  assert_true(hm.body.len == (size_t) -1);
  assert_int_equal(hm.message.len, strlen(a));
  assert_int_equal(parse_keep(b, &hm, 0, &status), (int) strlen(b));
  assert_true(hm.body.len == (size_t) -1);
}

static void test_http_parse_response_checks_headers(void **state) {
  int status;
  const char *a =
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2"
      "\r\n\r\n";
  const char *b = "HTTP/1.1 200 OK\r\n X: y\r\n\r\n";
  (void) state;
  assert_int_equal(parse_n(a, strlen(a), 0, &status), -1);
  assert_int_equal(status, 400);
  assert_int_equal(parse_n(b, strlen(b), 0, &status), -1);
  assert_int_equal(status, 400);
}

static void test_http_parse_response_one_byte_at_a_time(void **state) {
  const char *s = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n";
  size_t i, n = strlen(s);
  int status;
  (void) state;
  for (i = 0; i < n; i++) assert_int_equal(parse_n(s, i, 0, &status), 0);
  assert_int_equal(parse_n(s, n, 0, &status), (int) n);
}

static void test_mg_parse_http_wraps_mg_http_parse(void **state) {
  const char *s = "GET /x HTTP/1.1\r\nHost: h\r\n\r\n";
  struct http_message hm;
  (void) state;
  assert_int_equal(mg_parse_http(s, (int) strlen(s), &hm, 1), (int) strlen(s));
  assert_slice(hm.uri, "/x");
  assert_int_equal(mg_parse_http(s, 5, &hm, 1), 0);
  assert_int_equal(mg_parse_http(s, -1, &hm, 1), -1);
  assert_int_equal(mg_parse_http("GET / HTTP/9\r\n\r\n", 16, &hm, 1), -1);
}

static void test_http_parse_status_pointer_may_be_null(void **state) {
  struct http_message hm;
  (void) state;
  assert_int_equal(mg_http_parse("GET x HTTP/1.1\r\n\r\n", 18, &hm, 1, NULL),
                   -1);
}

// ---- Chunked bodies ---------------------------------------------------------

static int chunk(const char *s, size_t n, size_t *off, size_t *len) {
  char *p = dup_exact(s, n);
  int r = mg_http_parse_chunk(p, n, off, len);
  free(p);
  return r;
}

static int chunk_s(const char *s, size_t *off, size_t *len) {
  return chunk(s, strlen(s), off, len);
}

static void test_http_parse_chunk_simple(void **state) {
  const char *s = "a\r\n0123456789\r\nNEXT";
  size_t off = 99, len = 99;
  (void) state;
  assert_int_equal(chunk_s(s, &off, &len), 15);
  assert_int_equal(off, 3);
  assert_int_equal(len, 10);
  assert_int_equal(chunk_s("1F\r\n", &off, &len), 0);
  assert_int_equal(len, 31);
}

static void test_http_parse_chunk_incomplete_returns_zero(void **state) {
  const char *s = "5;a=b\r\nhello\r\n";
  size_t i, off, len;
  (void) state;
  for (i = 0; i < strlen(s); i++) assert_int_equal(chunk(s, i, &off, &len), 0);
  assert_int_equal(chunk(s, strlen(s), &off, &len), (int) strlen(s));
}

static void test_http_parse_chunk_extension_ignored(void **state) {
  const char *s = "5;name=value;x;q=\"a b\"\r\nhello\r\n";
  size_t off, len;
  (void) state;
  assert_int_equal(chunk_s(s, &off, &len), (int) strlen(s));
  assert_int_equal(off, strlen(s) - 7);
  assert_int_equal(len, 5);
  assert_int_equal(chunk_s("5 ; x\r\nhello\r\n", &off, &len), 14);
}

static void test_http_parse_chunk_last_chunk(void **state) {
  size_t off = 9, len = 9;
  (void) state;
  assert_int_equal(chunk_s("0\r\n\r\nGET", &off, &len), 5);
  assert_int_equal(off, 3);
  assert_int_equal(len, 0);
  assert_int_equal(chunk_s("000\r\n\r\n", &off, &len), 7);
  assert_int_equal(chunk_s("0\r\n\r", &off, &len), 0);
  assert_int_equal(chunk_s("0\r\n", &off, &len), 0);
}

static void test_http_parse_chunk_trailers_ignored(void **state) {
  const char *s = "0;e=1\r\nX-Sum: 12\r\nY: z\r\n\r\n";
  size_t i, off, len;
  (void) state;
  assert_int_equal(chunk_s(s, &off, &len), (int) strlen(s));
  assert_int_equal(len, 0);
  for (i = 0; i < strlen(s); i++) assert_int_equal(chunk(s, i, &off, &len), 0);
}

static void test_http_parse_chunk_bad_trailer_rejected(void **state) {
  size_t off, len;
  (void) state;
  assert_int_equal(chunk_s("0\r\nNoColon\r\n\r\n", &off, &len), -1);
  assert_int_equal(chunk_s("0\r\nA: b\r\n c\r\n\r\n", &off, &len), -1);
  assert_int_equal(chunk_s("0\r\nA: b\n\r\n", &off, &len), -1);
  assert_int_equal(chunk_s("0\r\n\n", &off, &len), -1);
}

static void test_http_parse_chunk_size_not_hex_rejected(void **state) {
  static const char *const bad[] = {"xyz\r\n", "\r\n",    " 5\r\nhello\r\n",
                                    "+5\r\n",  "-1\r\n",  "5 \r\nhello\r\n",
                                    "5x\r\n",  "5 x\r\n", "0x5\r\n"};
  size_t i, off, len;
  (void) state;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_int_equal(chunk_s(bad[i], &off, &len), -1);
  }
}

static void test_http_parse_chunk_size_17_hex_digits_rejected(void **state) {
  size_t off, len;
  (void) state;
  assert_int_equal(chunk_s("00000000000000005\r\nhello\r\n", &off, &len), -1);
  assert_int_equal(chunk_s("0000000000000005\r\nhello\r\n", &off, &len), 25);
  assert_int_equal(len, 5);
}

static void test_http_parse_chunk_huge_size_rejected(void **state) {
  size_t off, len;
  (void) state;
  assert_int_equal(chunk_s("ffffffffffffffff\r\n", &off, &len), -1);
  assert_int_equal(chunk_s("fffffffffffffff0\r\nab", &off, &len), -1);
  // Sizes that cannot be counted in the int result are refused too.
  assert_int_equal(chunk_s("80000000\r\n", &off, &len), -1);
  // A big size that fits waits for its data.
  assert_int_equal(chunk_s("100000\r\nab", &off, &len), 0);
  assert_int_equal(len, 0x100000);
}

static void test_http_parse_chunk_data_without_crlf_rejected(void **state) {
  size_t off, len;
  (void) state;
  assert_int_equal(chunk_s("5\r\nhelloX\r\n", &off, &len), -1);
  assert_int_equal(chunk_s("5\r\nhello\rX", &off, &len), -1);
  assert_int_equal(chunk_s("5\r\nhello\n", &off, &len), -1);
  assert_int_equal(chunk_s("5\r\nhelloX", &off, &len), -1);
}

static void test_http_parse_chunk_bare_lf_rejected(void **state) {
  size_t off, len;
  (void) state;
  assert_int_equal(chunk_s("5\nhello\r\n", &off, &len), -1);
  assert_int_equal(chunk_s("5\rhello\r\n", &off, &len), -1);
  assert_int_equal(chunk_s("5;a\nhello\r\n", &off, &len), -1);
}

static void test_http_parse_chunk_extension_too_long_rejected(void **state) {
  size_t n = MG_MAX_HTTP_REQUEST_SIZE + 10, off, len;
  char *s = (char *) malloc(n);
  (void) state;
  assert_non_null(s);
  memset(s, 'a', n);
  memcpy(s, "5;", 2);
  assert_int_equal(chunk(s, n, &off, &len), -1);  // Even without a CRLF
  memcpy(s + n - 2, "\r\n", 2);
  assert_int_equal(chunk(s, n, &off, &len), -1);
  assert_int_equal(chunk(s, 100, &off, &len), 0);
  free(s);
}

static void test_http_parse_chunk_trailers_too_long_rejected(void **state) {
  size_t n = MG_MAX_HTTP_REQUEST_SIZE + 20, off, len;
  char *s = (char *) malloc(n);
  (void) state;
  assert_non_null(s);
  memset(s, 'v', n);
  memcpy(s, "0\r\nX: ", 6);
  assert_int_equal(chunk(s, n, &off, &len), -1);
  memcpy(s + n - 4, "\r\n\r\n", 4);
  assert_int_equal(chunk(s, n, &off, &len), -1);
  assert_int_equal(chunk(s, 100, &off, &len), 0);
  free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_http_parse_simple_get),
      cmocka_unit_test(test_http_parse_query_string_split),
      cmocka_unit_test(test_http_parse_leading_empty_lines_ignored),
      cmocka_unit_test(test_http_parse_non_token_first_byte_rejected_at_once),
      cmocka_unit_test(test_mg_parse_http_non_token_first_byte_returns_minus_1),
      cmocka_unit_test(test_http_parse_leading_cr_or_lf_needs_more),
      cmocka_unit_test(test_http_parse_bare_cr_before_request_line_rejected),
      cmocka_unit_test(test_http_parse_one_byte_at_a_time),
      cmocka_unit_test(test_http_parse_lf_line_endings_accepted),
      cmocka_unit_test(test_http_parse_bare_cr_rejected),
      cmocka_unit_test(test_http_parse_method_non_token_rejected),
      cmocka_unit_test(test_http_parse_request_line_spacing_strict),
      cmocka_unit_test(test_http_parse_http2_version_is_505),
      cmocka_unit_test(test_http_parse_higher_minor_is_http11),
      cmocka_unit_test(test_http_parse_bad_prefix_fails_early),
      cmocka_unit_test(test_http_parse_host_value_checked),
      cmocka_unit_test(test_http_parse_8000_octet_request_line),
      cmocka_unit_test(test_http_parse_invalid_version_is_400),
      cmocka_unit_test(test_http_parse_http10_without_host_accepted),
      cmocka_unit_test(test_http_parse_missing_host_rejected),
      cmocka_unit_test(test_http_parse_two_hosts_rejected),
      cmocka_unit_test(test_http_parse_absolute_form_accepted),
      cmocka_unit_test(test_http_parse_asterisk_only_for_options),
      cmocka_unit_test(test_http_parse_authority_form_only_for_connect),
      cmocka_unit_test(test_http_parse_bad_target_rejected),
      cmocka_unit_test(test_http_parse_request_line_too_long_is_414),
      cmocka_unit_test(test_http_parse_request_line_at_limit_accepted),
      cmocka_unit_test(test_http_parse_header_value_ows_stripped),
      cmocka_unit_test(test_http_parse_header_without_colon_rejected),
      cmocka_unit_test(test_http_parse_empty_header_name_rejected),
      cmocka_unit_test(test_http_parse_space_before_colon_rejected),
      cmocka_unit_test(test_http_parse_non_token_header_name_rejected),
      cmocka_unit_test(test_http_parse_obs_fold_rejected),
      cmocka_unit_test(test_http_parse_whitespace_before_first_header_rejected),
      cmocka_unit_test(test_http_parse_control_chars_in_value_rejected),
      cmocka_unit_test(test_http_parse_tab_and_obs_text_in_value_accepted),
      cmocka_unit_test(test_http_parse_too_many_headers_is_431),
      cmocka_unit_test(test_http_parse_head_too_large_is_431),
      cmocka_unit_test(test_http_parse_content_length_too_large_is_413),
      cmocka_unit_test(test_http_parse_head_at_size_limit_accepted),
      cmocka_unit_test(test_http_parse_endless_empty_lines_are_431),
      cmocka_unit_test(test_http_parse_unused_header_slots_zeroed),
      cmocka_unit_test(test_http_parse_content_length_sets_body),
      cmocka_unit_test(test_http_parse_content_length_not_digits_rejected),
      cmocka_unit_test(test_http_parse_content_length_overflow_rejected),
      cmocka_unit_test(test_http_parse_content_length_largest_accepted),
      cmocka_unit_test(test_http_parse_content_length_list_rejected),
      cmocka_unit_test(test_http_parse_duplicate_content_length_rejected),
      cmocka_unit_test(test_http_parse_identical_content_lengths_accepted),
      cmocka_unit_test(test_http_parse_content_length_with_chunked_rejected),
      cmocka_unit_test(test_http_parse_chunked_request_has_unknown_length),
      cmocka_unit_test(test_http_parse_transfer_encoding_case_insensitive),
      cmocka_unit_test(test_http_parse_chunked_not_last_rejected),
      cmocka_unit_test(test_http_parse_chunked_twice_rejected),
      cmocka_unit_test(test_http_parse_unknown_transfer_coding_is_501),
      cmocka_unit_test(test_http_parse_empty_coding_list_element_ignored),
      cmocka_unit_test(test_http_parse_transfer_encoding_in_http10_rejected),
      cmocka_unit_test(test_http_parse_response_status_line),
      cmocka_unit_test(test_http_parse_response_empty_reason_accepted),
      cmocka_unit_test(test_http_parse_response_bad_status_line_rejected),
      cmocka_unit_test(test_http_parse_response_without_body_codes),
      cmocka_unit_test(test_http_parse_response_transfer_encoding_wins),
      cmocka_unit_test(test_http_parse_response_close_delimited),
      cmocka_unit_test(test_http_parse_response_checks_headers),
      cmocka_unit_test(test_http_parse_response_one_byte_at_a_time),
      cmocka_unit_test(test_mg_parse_http_wraps_mg_http_parse),
      cmocka_unit_test(test_http_parse_status_pointer_may_be_null),
      cmocka_unit_test(test_http_parse_chunk_simple),
      cmocka_unit_test(test_http_parse_chunk_incomplete_returns_zero),
      cmocka_unit_test(test_http_parse_chunk_extension_ignored),
      cmocka_unit_test(test_http_parse_chunk_last_chunk),
      cmocka_unit_test(test_http_parse_chunk_trailers_ignored),
      cmocka_unit_test(test_http_parse_chunk_bad_trailer_rejected),
      cmocka_unit_test(test_http_parse_chunk_size_not_hex_rejected),
      cmocka_unit_test(test_http_parse_chunk_size_17_hex_digits_rejected),
      cmocka_unit_test(test_http_parse_chunk_huge_size_rejected),
      cmocka_unit_test(test_http_parse_chunk_data_without_crlf_rejected),
      cmocka_unit_test(test_http_parse_chunk_bare_lf_rejected),
      cmocka_unit_test(test_http_parse_chunk_extension_too_long_rejected),
      cmocka_unit_test(test_http_parse_chunk_trailers_too_long_rejected),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
