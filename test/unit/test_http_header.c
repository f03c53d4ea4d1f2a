// Unit tests for the header-field helpers of src/http_parse.c:
// mg_get_http_header(), mg_http_parse_header() / mg_http_parse_header2()
// (parameters of a header value), mg_get_http_basic_auth() /
// mg_parse_http_basic_auth() and mg_get_http_var() (query and form
// variables). The parsing of whole messages is in test_http_parse.c.
#include "mongoose.h"  // First: it sets the feature-test macros

#include <setjmp.h>

#include <cmocka.h>

// Asserts that slice s holds exactly the bytes of want.
static void assert_slice(struct mg_str s, const char *want) {
  assert_int_equal(s.len, strlen(want));
  if (s.len > 0) assert_memory_equal(s.p, want, s.len);
}

// Parses s as a request or reply in place, so hm stays valid while s does.
static int parse_keep(const char *s, struct http_message *hm, int is_req,
                      int *status) {
  return mg_http_parse(s, strlen(s), hm, is_req, status);
}

// Parses request s, asserting that it is a whole valid head.
static void parse_ok(const char *s, struct http_message *hm) {
  int status;
  assert_int_equal(parse_keep(s, hm, 1, &status), (int) strlen(s));
  assert_int_equal(status, 0);
}

// ---- mg_get_http_header -----------------------------------------------------

static void test_get_http_header_case_insensitive(void **state) {
  const char *s =
      "GET / HTTP/1.1\r\nHost: h\r\nX-Thing: 1\r\nx-thing: 2\r\n\r\n";
  struct http_message hm;
  struct mg_str *v;
  int status;
  (void) state;
  assert_int_equal(parse_keep(s, &hm, 1, &status), (int) strlen(s));
  v = mg_get_http_header(&hm, "x-THING");
  assert_non_null(v);
  assert_slice(*v, "1");
  assert_null(mg_get_http_header(&hm, "X-Thin"));
  assert_null(mg_get_http_header(&hm, "X-Things"));
  assert_null(mg_get_http_header(&hm, NULL));
  assert_null(mg_get_http_header(NULL, "Host"));
}

static void test_get_http_header_returns_the_value_slot(void **state) {
  const char *s = "GET / HTTP/1.1\r\nHost: h\r\nAccept: */*\r\n\r\n";
  struct http_message hm;
  (void) state;
  parse_ok(s, &hm);
  assert_ptr_equal(mg_get_http_header(&hm, "Accept"), &hm.header_values[1]);
  assert_ptr_equal(mg_get_http_header(&hm, "host"), &hm.header_values[0]);
  assert_ptr_equal(hm.header_values[1].p, strstr(s, "*/*"));
}

static void test_get_http_header_empty_value_is_found(void **state) {
  const char *s = "GET / HTTP/1.1\r\nHost: h\r\nX-Empty:\r\n\r\n";
  struct http_message hm;
  struct mg_str *v;
  (void) state;
  parse_ok(s, &hm);
  v = mg_get_http_header(&hm, "X-Empty");
  assert_non_null(v);
  assert_int_equal(v->len, 0);
  assert_null(mg_get_http_header(&hm, ""));
}

// Fills the first n name/value slots of hm with "H<i>" / "v<i>".
static void fill_headers(struct http_message *hm, int n, char names[][16],
                         char values[][16]) {
  int i;
  memset(hm, 0, sizeof(*hm));
  for (i = 0; i < n; i++) {
    snprintf(names[i], 16, "H%d", i);
    snprintf(values[i], 16, "v%d", i);
    hm->header_names[i] = mg_mk_str(names[i]);
    hm->header_values[i] = mg_mk_str(values[i]);
  }
}

static void test_get_http_header_finds_last_slot_of_full_table(void **state) {
  static char names[MG_MAX_HTTP_HEADERS][16], values[MG_MAX_HTTP_HEADERS][16];
  static struct http_message hm;
  char last[16];
  struct mg_str *v;
  (void) state;
  fill_headers(&hm, MG_MAX_HTTP_HEADERS, names, values);
  snprintf(last, sizeof(last), "h%d", MG_MAX_HTTP_HEADERS - 1);
  v = mg_get_http_header(&hm, last);
  assert_ptr_equal(v, &hm.header_values[MG_MAX_HTTP_HEADERS - 1]);
  assert_null(mg_get_http_header(&hm, "H99"));
}

// The table ends at the first slot with an empty name.
static void test_get_http_header_stops_at_first_empty_name(void **state) {
  static char names[3][16], values[3][16];
  static struct http_message hm;
  (void) state;
  fill_headers(&hm, 3, names, values);
  hm.header_names[1] = mg_mk_str("");
  assert_non_null(mg_get_http_header(&hm, "H0"));
  assert_null(mg_get_http_header(&hm, "H2"));
}

// ---- mg_http_parse_header / mg_http_parse_header2 ---------------------------

static void test_http_parse_header_plain_and_quoted(void **state) {
  struct mg_str h = mg_mk_str(
      "Digest username=\"joe\", realm=\"a, b\", nc=00000001, qop=auth");
  char buf[32];
  (void) state;
  assert_int_equal(mg_http_parse_header(&h, "username", buf, sizeof(buf)), 3);
  assert_string_equal(buf, "joe");
  assert_int_equal(mg_http_parse_header(&h, "realm", buf, sizeof(buf)), 4);
  assert_string_equal(buf, "a, b");
  assert_int_equal(mg_http_parse_header(&h, "nc", buf, sizeof(buf)), 8);
  assert_string_equal(buf, "00000001");
  assert_int_equal(mg_http_parse_header(&h, "QOP", buf, sizeof(buf)), 4);
  assert_string_equal(buf, "auth");
}

static void test_http_parse_header_whole_names_only(void **state) {
  struct mg_str a = mg_mk_str("form-data; filename=\"f.txt\"; name=\"n\"");
  struct mg_str b = mg_mk_str("form-data; filename=\"f.txt\"");
  struct mg_str c = mg_mk_str("form-data; name=\"n\"; filename=\"f.txt\"");
  char buf[32];
  (void) state;
  assert_int_equal(mg_http_parse_header(&a, "name", buf, sizeof(buf)), 1);
  assert_string_equal(buf, "n");
  assert_int_equal(mg_http_parse_header(&b, "name", buf, sizeof(buf)), 0);
  assert_string_equal(buf, "");
  assert_int_equal(mg_http_parse_header(&c, "filename", buf, sizeof(buf)), 5);
  assert_string_equal(buf, "f.txt");
  assert_int_equal(mg_http_parse_header(&c, "file", buf, sizeof(buf)), 0);
}

static void test_http_parse_header_ignores_text_inside_quotes(void **state) {
  struct mg_str h = mg_mk_str("Digest a=\"x, nonce=evil\", nonce=good");
  char buf[32];
  (void) state;
  assert_int_equal(mg_http_parse_header(&h, "nonce", buf, sizeof(buf)), 4);
  assert_string_equal(buf, "good");
}

static void test_http_parse_header_backslash_escapes(void **state) {
  struct mg_str h = mg_mk_str("x; v=\"a \\\"q\\\" \\\\ b\"; w=1");
  char buf[32];
  (void) state;
  assert_int_equal(mg_http_parse_header(&h, "v", buf, sizeof(buf)), 9);
  assert_string_equal(buf, "a \"q\" \\ b");
  assert_int_equal(mg_http_parse_header(&h, "w", buf, sizeof(buf)), 1);
}

// As in 6.x, a value may be in single quotes; inside them a backslash
// escapes the single quote, and a double quote is an ordinary byte.
static void test_http_parse_header_single_quoted_value(void **state) {
  struct mg_str h =
      mg_mk_str("form-data; name='a \"b\" c'; filename='it\\'s, x.txt', z=1");
  char buf[32], *p = buf;
  (void) state;
  assert_int_equal(mg_http_parse_header(&h, "name", buf, sizeof(buf)), 7);
  assert_string_equal(buf, "a \"b\" c");
  assert_int_equal(mg_http_parse_header(&h, "filename", buf, sizeof(buf)), 11);
  assert_string_equal(buf, "it's, x.txt");
  assert_int_equal(mg_http_parse_header(&h, "z", buf, sizeof(buf)), 1);
  assert_string_equal(buf, "1");
  assert_int_equal(mg_http_parse_header2(&h, "name", &p, sizeof(buf)), 7);
  assert_ptr_equal(p, buf);
  assert_string_equal(buf, "a \"b\" c");
}

// A single quote inside a bare value is data; an unclosed one hides the
// value, like an unclosed double quote.
static void test_http_parse_header_single_quote_edge_cases(void **state) {
  struct mg_str bare = mg_mk_str("a=O'Brien, b=2");
  struct mg_str open = mg_mk_str("a='xyz, b=2");
  struct mg_str mixed = mg_mk_str("a=\"it's\", b='say \"hi\"'");
  char buf[16];
  (void) state;
  assert_int_equal(mg_http_parse_header(&bare, "a", buf, sizeof(buf)), 7);
  assert_string_equal(buf, "O'Brien");
  assert_int_equal(mg_http_parse_header(&open, "a", buf, sizeof(buf)), 0);
  assert_int_equal(mg_http_parse_header(&open, "b", buf, sizeof(buf)), 0);
  assert_int_equal(mg_http_parse_header(&mixed, "a", buf, sizeof(buf)), 4);
  assert_string_equal(buf, "it's");
  assert_int_equal(mg_http_parse_header(&mixed, "b", buf, sizeof(buf)), 8);
  assert_string_equal(buf, "say \"hi\"");
}

static void test_http_parse_header_unterminated_quote_not_found(void **s) {
  struct mg_str h = mg_mk_str("x; v=\"abc");
  char buf[32];
  (void) s;
  assert_int_equal(mg_http_parse_header(&h, "v", buf, sizeof(buf)), 0);
  assert_string_equal(buf, "");
}

static void test_http_parse_header_spaces_around_equals(void **state) {
  struct mg_str h = mg_mk_str("Digest a = 1 , b =\"two\"");
  char buf[32];
  (void) state;
  assert_int_equal(mg_http_parse_header(&h, "a", buf, sizeof(buf)), 1);
  assert_string_equal(buf, "1");
  assert_int_equal(mg_http_parse_header(&h, "b", buf, sizeof(buf)), 3);
  assert_string_equal(buf, "two");
}

static void test_http_parse_header_small_buffer(void **state) {
  struct mg_str h = mg_mk_str("a=0123456789");
  char buf[10];
  (void) state;
  assert_int_equal(mg_http_parse_header(&h, "a", buf, sizeof(buf)), 0);
  assert_string_equal(buf, "");
  assert_int_equal(mg_http_parse_header(&h, "a", buf, 0), 0);
}

static void test_http_parse_header2_grows_buffer(void **state) {
  struct mg_str h = mg_mk_str("a=0123456789, b=\"xy\"");
  char small[4], *p = small;
  (void) state;
  assert_int_equal(mg_http_parse_header2(&h, "b", &p, sizeof(small)), 2);
  assert_ptr_equal(p, small);
  assert_string_equal(small, "xy");
  assert_int_equal(mg_http_parse_header2(&h, "a", &p, sizeof(small)), 10);
  assert_ptr_not_equal(p, small);
  assert_string_equal(p, "0123456789");
  free(p);
  p = NULL;
  assert_int_equal(mg_http_parse_header2(&h, "b", &p, 0), 2);
  assert_non_null(p);
  assert_string_equal(p, "xy");
  free(p);
  p = small;
  assert_int_equal(mg_http_parse_header2(&h, "c", &p, sizeof(small)), 0);
  assert_ptr_equal(p, small);
}

static void test_http_parse_header_keeps_backslash_in_file_name(void **state) {
  struct mg_str hdr = mg_mk_str(
      "form-data; name=\"f\"; filename=\"..\\x\\y\"; q=\"a\\\"b\\\\c\"");
  char buf[64];
  (void) state;
  assert_int_equal(mg_http_parse_header(&hdr, "filename", buf, sizeof(buf)), 6);
  assert_string_equal(buf, "..\\x\\y");
  assert_int_equal(mg_http_parse_header(&hdr, "q", buf, sizeof(buf)), 5);
  assert_string_equal(buf, "a\"b\\c");
}

static void test_http_parse_header_first_occurrence_wins(void **state) {
  struct mg_str h = mg_mk_str("x; a=1; A=2; a=\"3\"");
  char buf[8];
  (void) state;
  assert_int_equal(mg_http_parse_header(&h, "a", buf, sizeof(buf)), 1);
  assert_string_equal(buf, "1");
}

static void test_http_parse_header_token_ends_at_separator(void **state) {
  struct mg_str h = mg_mk_str("a=1;b=two words,c=3\td=4");
  char buf[16];
  (void) state;
  assert_int_equal(mg_http_parse_header(&h, "a", buf, sizeof(buf)), 1);
  assert_string_equal(buf, "1");
  assert_int_equal(mg_http_parse_header(&h, "b", buf, sizeof(buf)), 3);
  assert_string_equal(buf, "two");
  assert_int_equal(mg_http_parse_header(&h, "c", buf, sizeof(buf)), 1);
  assert_string_equal(buf, "3");
  assert_int_equal(mg_http_parse_header(&h, "d", buf, sizeof(buf)), 1);
  assert_string_equal(buf, "4");
  assert_int_equal(mg_http_parse_header(&h, "words", buf, sizeof(buf)), 0);
}

// An empty value is indistinguishable from a missing one: both return 0.
static void test_http_parse_header_empty_value_returns_zero(void **state) {
  struct mg_str h = mg_mk_str("a=, b=\"\", c=3");
  char buf[8] = "junk";
  (void) state;
  assert_int_equal(mg_http_parse_header(&h, "a", buf, sizeof(buf)), 0);
  assert_string_equal(buf, "");
  strcpy(buf, "junk");
  assert_int_equal(mg_http_parse_header(&h, "b", buf, sizeof(buf)), 0);
  assert_string_equal(buf, "");
  assert_int_equal(mg_http_parse_header(&h, "c", buf, sizeof(buf)), 1);
}

// The value must leave room for the NUL; escapes count once undone.
static void test_http_parse_header_exact_fit(void **state) {
  struct mg_str h = mg_mk_str("a=012345678, q=\"\\\"x\\\\\"");
  char buf[10];
  (void) state;
  assert_int_equal(mg_http_parse_header(&h, "a", buf, sizeof(buf)), 9);
  assert_string_equal(buf, "012345678");
  assert_int_equal(mg_http_parse_header(&h, "a", buf, 9), 0);
  assert_string_equal(buf, "");
  // q holds 5 bytes between its quotes, 3 once the escapes are undone.
  assert_int_equal(mg_http_parse_header(&h, "q", buf, 4), 3);
  assert_string_equal(buf, "\"x\\");
  assert_int_equal(mg_http_parse_header(&h, "q", buf, 3), 0);
}

// A backslash before the closing quote escapes it: the quote stays open.
static void test_http_parse_header_trailing_backslash_leaves_quote_open(
    void **state) {
  struct mg_str open = mg_mk_str("v=\"ab\\\"");
  struct mg_str closed = mg_mk_str("v=\"ab\\\\\"");
  char buf[8];
  (void) state;
  assert_int_equal(mg_http_parse_header(&open, "v", buf, sizeof(buf)), 0);
  assert_int_equal(mg_http_parse_header(&closed, "v", buf, sizeof(buf)), 3);
  assert_string_equal(buf, "ab\\");
}

// An unterminated quote ends the search: later parameters are not seen.
static void test_http_parse_header_open_quote_hides_later_params(void **s) {
  struct mg_str h = mg_mk_str("a=\"x, b=1");
  char buf[8];
  (void) s;
  assert_int_equal(mg_http_parse_header(&h, "b", buf, sizeof(buf)), 0);
}

static void test_http_parse_header_null_arguments(void **state) {
  struct mg_str h = mg_mk_str("a=1"), none = {NULL, 0};
  char buf[8] = "junk", *p = buf;
  (void) state;
  assert_int_equal(mg_http_parse_header(NULL, "a", buf, sizeof(buf)), 0);
  assert_string_equal(buf, "");
  assert_int_equal(mg_http_parse_header(&none, "a", buf, sizeof(buf)), 0);
  assert_int_equal(mg_http_parse_header(&h, NULL, buf, sizeof(buf)), 0);
  assert_int_equal(mg_http_parse_header(&h, "a", NULL, sizeof(buf)), 0);
  assert_int_equal(mg_http_parse_header2(&h, "a", NULL, sizeof(buf)), 0);
  assert_int_equal(mg_http_parse_header2(NULL, "a", &p, sizeof(buf)), 0);
  assert_int_equal(mg_http_parse_header2(&h, NULL, &p, sizeof(buf)), 0);
  assert_ptr_equal(p, buf);
  assert_int_equal(mg_http_parse_header(&h, "a", buf, sizeof(buf)), 1);
  assert_string_equal(buf, "1");
}

// header2 uses *buf while the value and its NUL fit, else allocates.
static void test_http_parse_header2_allocates_past_exact_fit(void **state) {
  struct mg_str h = mg_mk_str("a=abc, b=abcd, c=\"a\\\"b\"");
  char small[4], *p = small;
  (void) state;
  assert_int_equal(mg_http_parse_header2(&h, "a", &p, sizeof(small)), 3);
  assert_ptr_equal(p, small);
  assert_string_equal(small, "abc");
  assert_int_equal(mg_http_parse_header2(&h, "c", &p, sizeof(small)), 3);
  assert_ptr_equal(p, small);
  assert_string_equal(small, "a\"b");
  assert_int_equal(mg_http_parse_header2(&h, "b", &p, sizeof(small)), 4);
  assert_ptr_not_equal(p, small);
  assert_string_equal(p, "abcd");
  assert_string_equal(small, "");  // Cleared before the search
  free(p);
}

// With buf_size 0 the given buffer is never written: the value always goes
// to a new allocation.
static void test_http_parse_header2_zero_size_always_allocates(void **state) {
  struct mg_str h = mg_mk_str("a=1");
  char small[4] = "xyz", *p = small;
  (void) state;
  assert_int_equal(mg_http_parse_header2(&h, "a", &p, 0), 1);
  assert_ptr_not_equal(p, small);
  assert_string_equal(p, "1");
  assert_string_equal(small, "xyz");
  free(p);
  p = small;
  assert_int_equal(mg_http_parse_header2(&h, "b", &p, 0), 0);
  assert_ptr_equal(p, small);
  assert_string_equal(small, "xyz");
}

// ---- Basic authentication -------------------------------------------------

static int basic(const char *hdr, char *u, size_t ul, char *p, size_t pl) {
  struct mg_str h = mg_mk_str(hdr);
  return mg_parse_http_basic_auth(&h, u, ul, p, pl);
}

static void test_basic_auth_decoded(void **state) {
  // "user:pass", "a:b:c" (split at the first ':').
  char u[16], p[16];
  (void) state;
  assert_int_equal(basic("Basic dXNlcjpwYXNz", u, 16, p, 16), 0);
  assert_string_equal(u, "user");
  assert_string_equal(p, "pass");
  assert_int_equal(basic("bAsIc  YTpiOmM= ", u, 16, p, 16), 0);
  assert_string_equal(u, "a");
  assert_string_equal(p, "b:c");
}

// As in 6.x: "user" alone is that user with an empty password.
static void test_basic_auth_without_colon_gives_user_and_empty_password(
    void **state) {
  char u[16], p[16] = "junk";
  (void) state;
  assert_int_equal(basic("Basic dXNlcg==", u, 16, p, 16), 0);  // "user"
  assert_string_equal(u, "user");
  assert_string_equal(p, "");
  assert_int_equal(basic("Basic YQ==", u, 16, p, 16), 0);  // "a"
  assert_string_equal(u, "a");
  assert_string_equal(p, "");
  // The user alone must still fit its buffer.
  assert_int_equal(basic("Basic dXNlcg==", u, 4, p, 16), -1);
  assert_string_equal(u, "");
}

// As in 6.x: an empty user name (":pw", ":" or "") is refused.
static void test_basic_auth_empty_user_refused(void **state) {
  char u[16] = "junk", p[16] = "junk";
  (void) state;
  assert_int_equal(basic("Basic OnB3", u, 16, p, 16), -1);  // ":pw"
  assert_string_equal(u, "");
  assert_string_equal(p, "");
  assert_int_equal(basic("Basic Og==", u, 16, p, 16), -1);      // ":"
  assert_int_equal(basic("Basic OjpiYw==", u, 16, p, 16), -1);  // "::bc"
}

static void test_basic_auth_from_request(void **state) {
  const char *s =
      "GET / HTTP/1.1\r\nHost: h\r\nauthorization: Basic dXNlcjpwYXNz\r\n\r\n";
  const char *none = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
  struct http_message hm;
  char u[16], p[16];
  int status;
  (void) state;
  assert_int_equal(parse_keep(s, &hm, 1, &status), (int) strlen(s));
  assert_int_equal(mg_get_http_basic_auth(&hm, u, 16, p, 16), 0);
  assert_string_equal(u, "user");
  assert_string_equal(p, "pass");
  assert_int_equal(parse_keep(none, &hm, 1, &status), (int) strlen(none));
  assert_int_equal(mg_get_http_basic_auth(&hm, u, 16, p, 16), -1);
  assert_string_equal(u, "");
}

static void test_basic_auth_malformed_rejected(void **state) {
  char u[16], p[16];
  (void) state;
  assert_int_equal(basic("Digest dXNlcjpwYXNz", u, 16, p, 16), -1);
  assert_int_equal(basic("Basic", u, 16, p, 16), -1);
  assert_int_equal(basic("Basic ", u, 16, p, 16), -1);
  assert_int_equal(basic("BasicdXNlcjpwYXNz", u, 16, p, 16), -1);
  assert_int_equal(basic("Basic dXNlcjpwYXN", u, 16, p, 16), -1);   // length
  assert_int_equal(basic("Basic dXNl*jpwYXNz", u, 16, p, 16), -1);  // char
  assert_int_equal(basic("Basic YQ==YQ==", u, 16, p, 16), -1);  // pad inside
  assert_int_equal(basic("Basic YQA6Yg==", u, 16, p, 16), -1);  // "a\0:b"
  assert_string_equal(u, "");
  assert_string_equal(p, "");
}

static void test_basic_auth_too_long_rejected(void **state) {
  char u[5], p[5];
  (void) state;
  assert_int_equal(basic("Basic dXNlcjpwYXNz", u, 5, p, 5), 0);
  assert_int_equal(basic("Basic dXNlcjpwYXNz", u, 4, p, 5), -1);
  assert_int_equal(basic("Basic dXNlcjpwYXNz", u, 5, p, 4), -1);
  assert_string_equal(u, "");
  assert_int_equal(basic("Basic dXNlcjpwYXNz", NULL, 5, p, 5), -1);
  assert_int_equal(basic("Basic dXNlcjpwYXNz", u, 0, p, 5), -1);
}

static void test_basic_auth_padding_variants_decoded(void **state) {
  char u[16], p[16];
  (void) state;
  assert_int_equal(basic("Basic YTpi", u, 16, p, 16), 0);  // No padding
  assert_string_equal(p, "b");
  assert_int_equal(basic("Basic YTpiYw==", u, 16, p, 16), 0);
  assert_string_equal(p, "bc");
  assert_int_equal(basic("Basic YTpiY2Q=", u, 16, p, 16), 0);
  assert_string_equal(u, "a");
  assert_string_equal(p, "bcd");
  assert_int_equal(basic("Basic dXNlcjo=", u, 16, p, 16), 0);  // "user:"
  assert_string_equal(u, "user");
  assert_string_equal(p, "");
}

static void test_basic_auth_utf8_bytes_kept(void **state) {
  char u[16], p[16];
  (void) state;
  assert_int_equal(basic("Basic w6l0w6k6cMOkc3M=", u, 16, p, 16), 0);
  assert_string_equal(u, "\xc3\xa9t\xc3\xa9");
  assert_string_equal(p, "p\xc3\xa4ss");
}

// The scheme is followed by a space: a tab or another scheme is refused,
// and the request helper clears the buffers then.
static void test_basic_auth_needs_basic_space(void **state) {
  const char *s =
      "GET / HTTP/1.1\r\nHost: h\r\n"
      "Authorization: Digest username=\"u\"\r\n\r\n";
  struct http_message hm;
  char u[16] = "junk", p[16] = "junk";
  (void) state;
  assert_int_equal(basic("Basic\tdXNlcjpwYXNz", u, 16, p, 16), -1);
  parse_ok(s, &hm);
  strcpy(u, "junk"), strcpy(p, "junk");
  assert_int_equal(mg_get_http_basic_auth(&hm, u, 16, p, 16), -1);
  assert_string_equal(u, "");
  assert_string_equal(p, "");
}

// ---- Form variables ---------------------------------------------------------

static int var(const char *buf, const char *name, char *dst, size_t len) {
  struct mg_str b = mg_mk_str(buf);
  return mg_get_http_var(&b, name, dst, len);
}

static void test_get_http_var_found_and_decoded(void **state) {
  char dst[32];
  (void) state;
  assert_int_equal(var("a=1&bb=hello+world%21&c=", "bb", dst, 32), 12);
  assert_string_equal(dst, "hello world!");
  assert_int_equal(var("a=1&bb=2", "a", dst, 32), 1);
  assert_string_equal(dst, "1");
  assert_int_equal(var("a=1&bb=2&c=", "c", dst, 32), 0);
  assert_string_equal(dst, "");
  assert_int_equal(var("A=x", "a", dst, 32), 1);  // Names ignore case (6.x)
  assert_string_equal(dst, "x");
  assert_int_equal(var("a=1&a=2", "a", dst, 32), 1);  // The first wins
  assert_string_equal(dst, "1");
}

static void test_get_http_var_matches_whole_names(void **state) {
  char dst[32];
  (void) state;
  assert_int_equal(var("xa=1&a=2", "a", dst, 32), 1);
  assert_string_equal(dst, "2");
  assert_int_equal(var("ab=1", "a", dst, 32), -4);
  assert_int_equal(var("a", "a", dst, 32), -4);
  assert_int_equal(var("b=a=1", "a", dst, 32), -4);
}

// 6.x's codes, each with dst emptied: -4 when the name is not there.
static void test_get_http_var_not_found_returns_minus_4_and_empties_dst(
    void **state) {
  char dst[8] = "junk";
  (void) state;
  assert_int_equal(var("a=1", "b", dst, sizeof(dst)), -4);
  assert_string_equal(dst, "");
  strcpy(dst, "junk");
  assert_int_equal(var("a=1&bb=2", "b", dst, sizeof(dst)), -4);
  assert_string_equal(dst, "");
}

// -1: no buffer, no name, or either is empty.
static void test_get_http_var_bad_buf_or_name_returns_minus_1_and_empties_dst(
    void **state) {
  char dst[8] = "junk";
  struct mg_str null_p = {NULL, 3}, empty = MG_MK_STR(""), b = MG_MK_STR("a=1");
  (void) state;
  assert_int_equal(mg_get_http_var(&null_p, "a", dst, sizeof(dst)), -1);
  assert_string_equal(dst, "");
  strcpy(dst, "junk");
  assert_int_equal(mg_get_http_var(NULL, "a", dst, sizeof(dst)), -1);
  assert_string_equal(dst, "");
  strcpy(dst, "junk");
  assert_int_equal(mg_get_http_var(&empty, "a", dst, sizeof(dst)), -1);
  assert_string_equal(dst, "");
  strcpy(dst, "junk");
  assert_int_equal(mg_get_http_var(&b, NULL, dst, sizeof(dst)), -1);
  assert_string_equal(dst, "");
  strcpy(dst, "junk");
  assert_int_equal(mg_get_http_var(&b, "", dst, sizeof(dst)), -1);
  assert_string_equal(dst, "");
}

// -2: no usable dst. It is checked first: nothing can be written.
static void test_get_http_var_no_dst_returns_minus_2(void **state) {
  char dst[4] = "xyz";
  (void) state;
  assert_int_equal(var("a=1", "a", NULL, 4), -2);
  assert_int_equal(var("a=1", "a", dst, 0), -2);
  assert_string_equal(dst, "xyz");  // Size 0: not written
  assert_int_equal(mg_get_http_var(NULL, NULL, NULL, 0), -2);
}

// -3: dst too small or a bad %-escape.
static void test_get_http_var_too_small_or_bad_escape_returns_minus_3(
    void **state) {
  char dst[4];
  (void) state;
  assert_int_equal(var("a=1234", "a", dst, sizeof(dst)), -3);
  assert_string_equal(dst, "");
  assert_int_equal(var("a=123", "a", dst, sizeof(dst)), 3);
  assert_int_equal(var("a=%4", "a", dst, sizeof(dst)), -3);
  assert_string_equal(dst, "");
  assert_int_equal(var("a=%zz", "a", dst, sizeof(dst)), -3);
  assert_string_equal(dst, "");
  assert_int_equal(var("a=%41%42%43", "a", dst, sizeof(dst)), 3);
  assert_string_equal(dst, "ABC");
}

static void test_get_http_var_plus_and_escapes(void **state) {
  char dst[16];
  (void) state;
  assert_int_equal(var("a=1%2B1+2", "a", dst, sizeof(dst)), 5);
  assert_string_equal(dst, "1+1 2");
  assert_int_equal(var("a=%4a%4A", "a", dst, sizeof(dst)), 2);
  assert_string_equal(dst, "JJ");
  assert_int_equal(var("a=b=c", "a", dst, sizeof(dst)), 3);
  assert_string_equal(dst, "b=c");
}

// "%00" decodes to a NUL byte, counted in the returned length.
static void test_get_http_var_nul_escape_counts_in_length(void **state) {
  char dst[8];
  (void) state;
  memset(dst, 'z', sizeof(dst));
  assert_int_equal(var("a=x%00y", "a", dst, sizeof(dst)), 3);
  assert_memory_equal(dst, "x\0y\0", 4);
}

static void test_get_http_var_empty_segments_skipped(void **state) {
  char dst[8];
  (void) state;
  assert_int_equal(var("&&a=1&&", "a", dst, sizeof(dst)), 1);
  assert_string_equal(dst, "1");
  assert_int_equal(var("&=x&a=2", "a", dst, sizeof(dst)), 1);
  assert_string_equal(dst, "2");
}

// Only the value asked for is checked: a bad escape elsewhere is harmless,
// and a bad escape is reported before the value's size.
static void test_get_http_var_escape_checked_before_size(void **state) {
  char dst[4];
  (void) state;
  assert_int_equal(var("b=%zz&a=1", "a", dst, sizeof(dst)), 1);
  assert_string_equal(dst, "1");
  assert_int_equal(var("a=%zz123456", "a", dst, sizeof(dst)), -3);
  assert_int_equal(var("a=123456%", "a", dst, sizeof(dst)), -3);
}

// A one-byte buffer holds the empty value only.
static void test_get_http_var_one_byte_buffer(void **state) {
  char dst[1] = {'z'};
  (void) state;
  assert_int_equal(var("a=&b=1", "a", dst, 1), 0);
  assert_int_equal(dst[0], '\0');
  dst[0] = 'z';
  assert_int_equal(var("a=&b=1", "b", dst, 1), -3);
  assert_int_equal(dst[0], '\0');
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_get_http_header_case_insensitive),
      cmocka_unit_test(test_get_http_header_returns_the_value_slot),
      cmocka_unit_test(test_get_http_header_empty_value_is_found),
      cmocka_unit_test(test_get_http_header_finds_last_slot_of_full_table),
      cmocka_unit_test(test_get_http_header_stops_at_first_empty_name),
      cmocka_unit_test(test_http_parse_header_plain_and_quoted),
      cmocka_unit_test(test_http_parse_header_whole_names_only),
      cmocka_unit_test(test_http_parse_header_ignores_text_inside_quotes),
      cmocka_unit_test(test_http_parse_header_backslash_escapes),
      cmocka_unit_test(test_http_parse_header_single_quoted_value),
      cmocka_unit_test(test_http_parse_header_single_quote_edge_cases),
      cmocka_unit_test(test_http_parse_header_unterminated_quote_not_found),
      cmocka_unit_test(test_http_parse_header_spaces_around_equals),
      cmocka_unit_test(test_http_parse_header_small_buffer),
      cmocka_unit_test(test_http_parse_header2_grows_buffer),
      cmocka_unit_test(test_http_parse_header_keeps_backslash_in_file_name),
      cmocka_unit_test(test_http_parse_header_first_occurrence_wins),
      cmocka_unit_test(test_http_parse_header_token_ends_at_separator),
      cmocka_unit_test(test_http_parse_header_empty_value_returns_zero),
      cmocka_unit_test(test_http_parse_header_exact_fit),
      cmocka_unit_test(
          test_http_parse_header_trailing_backslash_leaves_quote_open),
      cmocka_unit_test(test_http_parse_header_open_quote_hides_later_params),
      cmocka_unit_test(test_http_parse_header_null_arguments),
      cmocka_unit_test(test_http_parse_header2_allocates_past_exact_fit),
      cmocka_unit_test(test_http_parse_header2_zero_size_always_allocates),
      cmocka_unit_test(test_basic_auth_decoded),
      cmocka_unit_test(
          test_basic_auth_without_colon_gives_user_and_empty_password),
      cmocka_unit_test(test_basic_auth_empty_user_refused),
      cmocka_unit_test(test_basic_auth_from_request),
      cmocka_unit_test(test_basic_auth_malformed_rejected),
      cmocka_unit_test(test_basic_auth_too_long_rejected),
      cmocka_unit_test(test_basic_auth_padding_variants_decoded),
      cmocka_unit_test(test_basic_auth_utf8_bytes_kept),
      cmocka_unit_test(test_basic_auth_needs_basic_space),
      cmocka_unit_test(test_get_http_var_found_and_decoded),
      cmocka_unit_test(test_get_http_var_matches_whole_names),
      cmocka_unit_test(
          test_get_http_var_not_found_returns_minus_4_and_empties_dst),
      cmocka_unit_test(
          test_get_http_var_bad_buf_or_name_returns_minus_1_and_empties_dst),
      cmocka_unit_test(test_get_http_var_no_dst_returns_minus_2),
      cmocka_unit_test(
          test_get_http_var_too_small_or_bad_escape_returns_minus_3),
      cmocka_unit_test(test_get_http_var_plus_and_escapes),
      cmocka_unit_test(test_get_http_var_nul_escape_counts_in_length),
      cmocka_unit_test(test_get_http_var_empty_segments_skipped),
      cmocka_unit_test(test_get_http_var_escape_checked_before_size),
      cmocka_unit_test(test_get_http_var_one_byte_buffer),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
