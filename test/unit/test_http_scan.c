// Unit tests for mg_http_scan_head() (src/http_parse.c, internal: this
// test compiles mongoose.c in): a head fed in pieces of any size reaches
// the same result as mg_http_parse() of the whole head, and every byte is
// looked at a bounded number of times (the work stays linear).
#include "../../mongoose.c"  // First: it sets the feature-test macros

#include <setjmp.h>

#include <cmocka.h>

// Feeds s to the scanner step bytes at a time, as the server does: on 1,
// mg_http_parse(); stops at the first result that is not "more bytes".
// Returns that result (the head length, or -1 with *status), 0 if the
// input ran out; *at is the byte count when it was known, *work the
// scanner's work.
static int drive(const char *s, size_t n, size_t step, int *status, size_t *at,
                 size_t *work) {
  struct mg_http_scan sc;
  struct http_message hm;
  size_t len;
  int r, stage;
  memset(&sc, 0, sizeof(sc));
  *status = 0;
  for (len = step < n ? step : n;; len = len + step < n ? len + step : n) {
    char *buf = (char *) malloc(len > 0 ? len : 1);  // Exact: ASan sees reads
    assert_non_null(buf);
    memcpy(buf, s, len);
    for (;;) {
      stage = sc.stage;
      r = mg_http_scan_head(buf, len, &sc, status);
      if (r == 0) break;
      r = r < 0 ? -1 : mg_http_parse(buf, len, &hm, 1, status);
      if (r != 0 || stage == 1) break;
    }
    free(buf);
    if (r != 0) {
      *at = len, *work = sc.work;
      return r;
    }
    if (len == n) break;
  }
  *at = n, *work = sc.work;
  return 0;
}

// The one-shot result of mg_http_parse() over all of s.
static int whole(const char *s, size_t n, int *status) {
  struct http_message hm;
  char *buf = (char *) malloc(n > 0 ? n : 1);
  int r;
  assert_non_null(buf);
  memcpy(buf, s, n);
  r = mg_http_parse(buf, n, &hm, 1, status);
  free(buf);
  return r;
}

static void check_same(const char *s) {
  static const size_t steps[] = {1, 2, 3, 7, 64, 100000};
  size_t n = strlen(s), i, at, work;
  int want_status, status, want = whole(s, n, &want_status), got;
  for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
    got = drive(s, n, steps[i], &status, &at, &work);
    if (got != want || (want < 0 && status != want_status)) {
      fail_msg("step %d over \"%.60s\": got %d/%d, want %d/%d", (int) steps[i],
               s, got, status, want, want_status);
    }
  }
}

static void test_scan_same_result_as_parse(void **state) {
  static const char *heads[] = {
      "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
      "\r\n\r\nGET /a?b HTTP/1.1\r\nHost: x\r\nA: b\r\n\r\nBODY",
      "GET / HTTP/1.1\nHost: x\n\n",
      "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
      "GET / HTTP/1.2\r\nHost: x\r\n\r\n",
      "GET / HTTP/2.0\r\nHost: x\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
      "GET / HTTP/1.1\r\nBad Header: x\r\n\r\n",
      "GET / HTTP/1.1\r\n Folded: x\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\ry\r\n\r\n",
      "GET\x01 / HTTP/1.1\r\n\r\n",
      "GET /\x7f HTTP/1.1\r\n\r\n",
      "GET / HTTQ/1.1\r\n\r\n",
      "\x16\x03\x01\x00",
      " GET / HTTP/1.1\r\n\r\n",
      "\rGET / HTTP/1.1\r\n\r\n",
      "GET  / HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\n",
      "GET / HTTP/1.1",
  };
  size_t i;
  (void) state;
  for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) check_same(heads[i]);
}

// A bad byte in the request line is known when it arrives.
static void test_scan_bad_request_line_byte_known_at_once(void **state) {
  const char *s = "GET /abc\x01 HTTP/1.1\r\nHost: x\r\n\r\n";
  size_t at, work;
  int status;
  (void) state;
  assert_int_equal(drive(s, strlen(s), 1, &status, &at, &work), -1);
  assert_int_equal(status, 400);
  assert_int_equal(at, 9);
}

// The limits come out the same: 414, 431 (too many headers, head too big).
static void test_scan_limits(void **state) {
  static char s[MG_MAX_HTTP_REQUEST_SIZE + 64];
  size_t n, at, work;
  int status, i;
  (void) state;
  n = (size_t) snprintf(s, sizeof(s), "GET /");
  memset(s + n, 'a', MG_MAX_HTTP_REQUEST_LINE);
  s[n + MG_MAX_HTTP_REQUEST_LINE] = '\0';
  assert_int_equal(drive(s, strlen(s), 5, &status, &at, &work), -1);
  assert_int_equal(status, 414);
  n = (size_t) snprintf(s, sizeof(s), "GET / HTTP/1.1\r\n");
  for (i = 0; i <= MG_MAX_HTTP_HEADERS; i++) {
    n += (size_t) snprintf(s + n, sizeof(s) - n, "H%d: v\r\n", i);
  }
  snprintf(s + n, sizeof(s) - n, "\r\n");
  check_same(s);
  assert_int_equal(drive(s, strlen(s), 1, &status, &at, &work), -1);
  assert_int_equal(status, 431);
  n = (size_t) snprintf(s, sizeof(s), "GET / HTTP/1.1\r\nX: ");
  memset(s + n, 'v', sizeof(s) - n - 1);
  s[sizeof(s) - 1] = '\0';
  check_same(s);
  assert_int_equal(drive(s, strlen(s), 1, &status, &at, &work), -1);
  assert_int_equal(status, 431);
  assert_int_equal(at, MG_MAX_HTTP_REQUEST_SIZE);
}

// 8 KiB heads written one byte at a time: the scanner looks at each byte
// about twice (line end search, request-line check), never again per read.
static void test_scan_work_is_linear(void **state) {
  static char s[9000];
  size_t n, at, work;
  int status, i;
  (void) state;
  // A long request line and some headers.
  n = (size_t) snprintf(s, sizeof(s), "GET /");
  memset(s + n, 'p', 6000);
  n += 6000;
  n += (size_t) snprintf(s + n, sizeof(s) - n, " HTTP/1.1\r\nHost: x\r\n");
  for (i = 0; i < 30; i++) {
    n += (size_t) snprintf(s + n, sizeof(s) - n, "X-H%02d: %060d\r\n", i, i);
  }
  n += (size_t) snprintf(s + n, sizeof(s) - n, "\r\n");
  assert_true(n > 8000);
  assert_int_equal(drive(s, n, 1, &status, &at, &work), (int) n);
  if (work > 3 * n) fail_msg("work %zu for %zu bytes", work, n);
  // One long header line.
  n = (size_t) snprintf(s, sizeof(s), "GET / HTTP/1.1\r\nHost: x\r\nX: ");
  memset(s + n, 'v', 8000);
  n += 8000;
  n += (size_t) snprintf(s + n, sizeof(s) - n, "\r\n\r\n");
  assert_int_equal(drive(s, n, 1, &status, &at, &work), (int) n);
  if (work > 3 * n) fail_msg("work %zu for %zu bytes", work, n);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_scan_same_result_as_parse),
      cmocka_unit_test(test_scan_bad_request_line_byte_known_at_once),
      cmocka_unit_test(test_scan_limits),
      cmocka_unit_test(test_scan_work_is_linear),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
