// Unit tests for src/uri.c: mg_parse_uri, mg_assemble_uri,
// mg_normalize_uri_path and mg_parse_address.
#include "mongoose.h"  // First: it sets the feature-test macros

#include <setjmp.h>

#include <cmocka.h>

// Asserts that slice s holds exactly the bytes of want.
static void assert_slice(struct mg_str s, const char *want) {
  assert_int_equal(s.len, strlen(want));
  if (s.len > 0) assert_memory_equal(s.p, want, s.len);
}

// All the parts of a URI, so each test can parse in one line.
struct uri_parts {
  struct mg_str scheme, user_info, host, path, query, fragment;
  unsigned int port;
};

static int parse(const char *uri, struct uri_parts *u) {
  memset(u, 0x5a, sizeof(*u));  // Garbage: every field must be written.
  return mg_parse_uri(mg_mk_str_n(uri, strlen(uri)), &u->scheme, &u->user_info,
                      &u->host, &u->port, &u->path, &u->query, &u->fragment);
}

static void test_parse_uri_full(void **state) {
  struct uri_parts u;
  (void) state;
  assert_int_equal(
      parse("https://user:pw@example.com:8443/a/b?x=1&y=2#frag", &u), 0);
  assert_slice(u.scheme, "https");
  assert_slice(u.user_info, "user:pw");
  assert_slice(u.host, "example.com");
  assert_int_equal(u.port, 8443);
  assert_slice(u.path, "/a/b");
  assert_slice(u.query, "x=1&y=2");
  assert_slice(u.fragment, "frag");
}

static void test_parse_uri_path_only(void **state) {
  struct uri_parts u;
  (void) state;
  assert_int_equal(parse("/path/x?q=1#f", &u), 0);
  assert_slice(u.scheme, "");
  assert_slice(u.user_info, "");
  assert_slice(u.host, "");
  assert_int_equal(u.port, 0);
  assert_slice(u.path, "/path/x");
  assert_slice(u.query, "q=1");
  assert_slice(u.fragment, "f");
}

static void test_parse_uri_host_port_without_scheme(void **state) {
  struct uri_parts u;
  (void) state;
  assert_int_equal(parse("example.com:80/x", &u), 0);
  assert_slice(u.scheme, "");
  assert_slice(u.host, "example.com");
  assert_int_equal(u.port, 80);
  assert_slice(u.path, "/x");
}

static void test_parse_uri_host_only_has_no_path(void **state) {
  struct uri_parts u;
  (void) state;
  assert_int_equal(parse("http://example.com", &u), 0);
  assert_slice(u.scheme, "http");
  assert_slice(u.host, "example.com");
  assert_int_equal(u.port, 0);
  assert_slice(u.path, "");
  assert_slice(u.query, "");
  assert_slice(u.fragment, "");
}

static void test_parse_uri_empty_host_with_scheme(void **state) {
  struct uri_parts u;
  (void) state;
  assert_int_equal(parse("file:///etc/hosts", &u), 0);
  assert_slice(u.scheme, "file");
  assert_slice(u.host, "");
  assert_slice(u.path, "/etc/hosts");
}

static void test_parse_uri_empty_input_gives_empty_parts(void **state) {
  struct uri_parts u;
  (void) state;
  assert_int_equal(parse("", &u), 0);
  assert_slice(u.scheme, "");
  assert_slice(u.host, "");
  assert_int_equal(u.port, 0);
  assert_slice(u.path, "");
  assert_slice(u.fragment, "");
}

// As in 6.x, an IPv6 host keeps its brackets.
static void test_parse_uri_ipv6_host_keeps_brackets(void **state) {
  struct uri_parts u;
  (void) state;
  assert_int_equal(parse("tcp://[::1]:234", &u), 0);
  assert_slice(u.scheme, "tcp");
  assert_slice(u.host, "[::1]");
  assert_int_equal(u.port, 234);
  assert_slice(u.path, "");
  assert_int_equal(parse("http://[::1]:8080/x", &u), 0);
  assert_slice(u.host, "[::1]");
  assert_int_equal(u.port, 8080);
  assert_slice(u.path, "/x");
  assert_int_equal(parse("[2001:db8::7]/p", &u), 0);
  assert_slice(u.host, "[2001:db8::7]");
  assert_int_equal(u.port, 0);
  assert_slice(u.path, "/p");
  assert_int_equal(parse("ws://u@[fe80::1]?q", &u), 0);
  assert_slice(u.user_info, "u");
  assert_slice(u.host, "[fe80::1]");
  assert_int_equal(u.port, 0);
  assert_slice(u.path, "");
  assert_slice(u.query, "q");
}

static void test_parse_uri_unterminated_bracket_rejected(void **state) {
  struct uri_parts u;
  (void) state;
  assert_int_equal(parse("http://[::1/x", &u), -1);
  assert_int_equal(parse("[::1", &u), -1);
  assert_int_equal(parse("http://[::1", &u), -1);
  assert_int_equal(parse("[[8]/", &u), -1);  // Nested '[' is not a literal.
}

static void test_parse_uri_junk_after_bracket_rejected(void **state) {
  struct uri_parts u;
  (void) state;
  assert_int_equal(parse("http://[::1]x/", &u), -1);
  assert_int_equal(parse("http://[::1]]:80/", &u), -1);
}

static void test_parse_uri_port_over_65535_rejected(void **state) {
  struct uri_parts u;
  (void) state;
  assert_int_equal(parse("http://h:65536/", &u), -1);
  assert_int_equal(parse("http://h:99999999/", &u), -1);
  // 2^32 + 81 would wrap to 81 in a 32-bit accumulator.
  assert_int_equal(parse("http://h:4294967377/", &u), -1);
  assert_int_equal(parse("http://h:65535/", &u), 0);
  assert_int_equal(u.port, 65535);
}

static void test_parse_uri_non_digit_port_rejected(void **state) {
  struct uri_parts u;
  (void) state;
  assert_int_equal(parse("http://h:8a/", &u), -1);
  assert_int_equal(parse("http://h:-1/", &u), -1);
  assert_int_equal(parse("http://h: 80/", &u), -1);
  // An unbracketed IPv6 address reads as host "::1"... with a bad port.
  assert_int_equal(parse("http://::1:80/", &u), -1);
}

static void test_parse_uri_empty_port_is_zero(void **state) {
  struct uri_parts u;
  (void) state;
  assert_int_equal(parse("http://h:/x", &u), 0);
  assert_slice(u.host, "h");
  assert_int_equal(u.port, 0);
  assert_slice(u.path, "/x");
}

static void test_parse_uri_last_at_separates_user_info(void **state) {
  struct uri_parts u;
  (void) state;
  assert_int_equal(parse("http://a@b@evil.com/", &u), 0);
  assert_slice(u.user_info, "a@b");
  assert_slice(u.host, "evil.com");
}

static void test_parse_uri_query_and_fragment_keep_delimiters(void **state) {
  struct uri_parts u;
  (void) state;
  assert_int_equal(parse("/p?a/b?c#d?e#f", &u), 0);
  assert_slice(u.path, "/p");
  assert_slice(u.query, "a/b?c");
  assert_slice(u.fragment, "d?e#f");
  assert_int_equal(parse("/p#x?y", &u), 0);
  assert_slice(u.query, "");
  assert_slice(u.fragment, "x?y");
}

static void test_parse_uri_colon_in_path_is_not_a_scheme(void **state) {
  struct uri_parts u;
  (void) state;
  assert_int_equal(parse("/a://b", &u), 0);
  assert_slice(u.scheme, "");
  assert_slice(u.path, "/a://b");
}

static void test_parse_uri_null_out_pointers_allowed(void **state) {
  struct mg_str host;
  (void) state;
  assert_int_equal(mg_parse_uri(mg_mk_str_n("http://u@h:1/p?q#f", 18), NULL,
                                NULL, &host, NULL, NULL, NULL, NULL),
                   0);
  assert_slice(host, "h");
  assert_int_equal(mg_parse_uri(mg_mk_str_n("http://u@h:1/p?q#f", 18), NULL,
                                NULL, NULL, NULL, NULL, NULL, NULL),
                   0);
}

// The slice is cut out of a larger string: bytes after len must not count.
// The copy is exactly len bytes so ASan reports any read past the end.
static void test_parse_uri_stops_at_slice_length(void **state) {
  const char *full = "http://h:8080/abc?q#f";
  char *copy = (char *) malloc(10);
  struct mg_str host, path;
  unsigned int port = 0;
  (void) state;
  assert_non_null(copy);
  memcpy(copy, full, 10);  // "http://h:8"
  assert_int_equal(mg_parse_uri(mg_mk_str_n(copy, 10), NULL, NULL, &host, &port,
                                &path, NULL, NULL),
                   0);
  assert_slice(host, "h");
  assert_int_equal(port, 8);
  assert_slice(path, "");
  memcpy(copy, "http://[:", 9);
  assert_int_equal(mg_parse_uri(mg_mk_str_n(copy, 9), NULL, NULL, &host, &port,
                                &path, NULL, NULL),
                   -1);
  free(copy);
}

static void test_assemble_uri_full(void **state) {
  struct mg_str scheme = MG_MK_STR("https"), ui = MG_MK_STR("u:p");
  struct mg_str host = MG_MK_STR("example.com"), path = MG_MK_STR("/a/b");
  struct mg_str query = MG_MK_STR("x=1"), frag = MG_MK_STR("top"), out;
  (void) state;
  assert_int_equal(
      mg_assemble_uri(&scheme, &ui, &host, 8443, &path, &query, &frag, 0, &out),
      0);
  assert_slice(out, "https://u:p@example.com:8443/a/b?x=1#top");
  assert_int_equal(out.p[out.len], '\0');
  free((void *) out.p);
}

static void test_assemble_uri_omits_absent_parts_and_port_zero(void **state) {
  struct mg_str host = MG_MK_STR("h"), empty = MG_NULL_STR, out;
  struct mg_str path = MG_MK_STR("/p");
  (void) state;
  assert_int_equal(
      mg_assemble_uri(NULL, NULL, NULL, 0, NULL, NULL, NULL, 0, &out), 0);
  assert_slice(out, "");
  free((void *) out.p);
  assert_int_equal(
      mg_assemble_uri(&empty, &empty, &host, 0, &path, &empty, NULL, 0, &out),
      0);
  assert_slice(out, "h/p");
  free((void *) out.p);
}

// A bare IPv6 host gets brackets; one that has them (as mg_parse_uri()
// gives it) is not bracketed twice.
static void test_assemble_uri_ipv6_host_gets_brackets_once(void **state) {
  struct mg_str scheme = MG_MK_STR("http"), host = MG_MK_STR("::1"), out;
  struct mg_str bracketed = MG_MK_STR("[::1]");
  (void) state;
  assert_int_equal(
      mg_assemble_uri(&scheme, NULL, &host, 80, NULL, NULL, NULL, 0, &out), 0);
  assert_slice(out, "http://[::1]:80");
  free((void *) out.p);
  assert_int_equal(
      mg_assemble_uri(&scheme, NULL, &bracketed, 80, NULL, NULL, NULL, 0, &out),
      0);
  assert_slice(out, "http://[::1]:80");
  free((void *) out.p);
}

static void test_assemble_uri_normalizes_path(void **state) {
  struct mg_str scheme = MG_MK_STR("http"), host = MG_MK_STR("h");
  struct mg_str path = MG_MK_STR("/a/./b/..//c"), query = MG_MK_STR("q");
  struct mg_str out;
  (void) state;
  assert_int_equal(
      mg_assemble_uri(&scheme, NULL, &host, 0, &path, &query, NULL, 1, &out),
      0);
  assert_slice(out, "http://h/a/c?q");
  free((void *) out.p);
  // Without the flag the path is copied as given.
  assert_int_equal(
      mg_assemble_uri(&scheme, NULL, &host, 0, &path, NULL, NULL, 0, &out), 0);
  assert_slice(out, "http://h/a/./b/..//c");
  free((void *) out.p);
}

static void test_assemble_uri_normalize_refuses_climb(void **state) {
  struct mg_str host = MG_MK_STR("h"), path = MG_MK_STR("/a/../../etc");
  struct mg_str rel = MG_MK_STR("a/b"), out;
  (void) state;
  out.p = "sentinel";
  assert_int_equal(
      mg_assemble_uri(NULL, NULL, &host, 0, &path, NULL, NULL, 1, &out), -1);
  assert_null(out.p);
  assert_int_equal(
      mg_assemble_uri(NULL, NULL, &host, 0, &rel, NULL, NULL, 1, &out), -1);
}

static void test_assemble_uri_relative_path_gets_slash(void **state) {
  struct mg_str host = MG_MK_STR("h"), path = MG_MK_STR("p"), out;
  (void) state;
  assert_int_equal(
      mg_assemble_uri(NULL, NULL, &host, 0, &path, NULL, NULL, 0, &out), 0);
  assert_slice(out, "h/p");
  free((void *) out.p);
  assert_int_equal(
      mg_assemble_uri(NULL, NULL, NULL, 0, &path, NULL, NULL, 0, &out), 0);
  assert_slice(out, "p");
  free((void *) out.p);
}

static void test_assemble_uri_port_over_65535_rejected(void **state) {
  struct mg_str host = MG_MK_STR("h"), out;
  (void) state;
  assert_int_equal(
      mg_assemble_uri(NULL, NULL, &host, 65536, NULL, NULL, NULL, 0, &out), -1);
}

static void test_assemble_uri_round_trips_parse(void **state) {
  static const char *uris[] = {"https://u:p@example.com:8443/a/b?x=1#f",
                               "http://[::1]:8080/x",
                               "tcp://[::1]:234",
                               "ws://u@[fe80::1]?q#f",
                               "[2001:db8::7]/p",
                               "/only/path?q",
                               "h:1",
                               "file:///etc/hosts",
                               "a@b@c/d#e"};
  struct uri_parts u;
  struct mg_str out;
  size_t i;
  (void) state;
  for (i = 0; i < sizeof(uris) / sizeof(uris[0]); i++) {
    assert_int_equal(parse(uris[i], &u), 0);
    assert_int_equal(mg_assemble_uri(&u.scheme, &u.user_info, &u.host, u.port,
                                     &u.path, &u.query, &u.fragment, 0, &out),
                     0);
    assert_slice(out, uris[i]);
    free((void *) out.p);
  }
}

// Normalizes a copy of in and compares with want (NULL: must fail).
static void check_normalize(const char *in, const char *want) {
  char buf[64];
  struct mg_str s;
  assert_true(strlen(in) < sizeof(buf));
  memcpy(buf, in, strlen(in));
  s = mg_mk_str_n(buf, strlen(in));
  if (want == NULL) {
    assert_int_equal(mg_normalize_uri_path(&s, &s), 0);
  } else {
    assert_int_equal(mg_normalize_uri_path(&s, &s), 1);
    assert_slice(s, want);
  }
}

static void test_normalize_uri_path_examples(void **state) {
  (void) state;
  check_normalize("/a/./b/../c", "/a/c");
  check_normalize("/a/b/..", "/a/");
  check_normalize("//x", "/x");
  check_normalize("/a/b/.", "/a/b/");
  check_normalize("/", "/");
  check_normalize("/.", "/");
  check_normalize("/a/..", "/");
  check_normalize("/a//b///c/", "/a/b/c/");
  check_normalize("/a/b/../../c/./d", "/c/d");
}

static void test_normalize_uri_path_keeps_dotted_names(void **state) {
  (void) state;
  check_normalize("/.../..a/.b/a..", "/.../..a/.b/a..");
  check_normalize("/%2e%2e/x", "/%2e%2e/x");
}

static void test_normalize_uri_path_refuses_climb_above_root(void **state) {
  (void) state;
  check_normalize("/..", NULL);
  check_normalize("/../a", NULL);
  check_normalize("/a/../..", NULL);
  check_normalize("/a/./../b/../../c", NULL);
}

static void test_normalize_uri_path_refuses_relative_path(void **state) {
  struct mg_str empty = MG_NULL_STR;
  char buf[8] = {0};
  struct mg_str out = mg_mk_str_n(buf, sizeof(buf));
  (void) state;
  check_normalize("a/b", NULL);
  check_normalize("./a", NULL);
  assert_int_equal(mg_normalize_uri_path(&empty, &out), 0);
}

static void test_normalize_uri_path_separate_output(void **state) {
  const char *in = "/x/./y/../z";
  struct mg_str src = mg_mk_str_n(in, strlen(in));
  char buf[16] = {0};
  struct mg_str out = mg_mk_str_n(buf, sizeof(buf));
  (void) state;
  assert_int_equal(mg_normalize_uri_path(&src, &out), 1);
  assert_slice(out, "/x/z");
  assert_slice(src, "/x/./y/../z");  // The input is left alone.
}

// Calls mg_parse_address with a host buffer; checks family and port.
static int parse_addr(const char *str, union socket_address *sa, int *proto,
                      char *host, size_t host_len) {
  memset(sa, 0x5a, sizeof(*sa));
  *proto = -1;
  return mg_parse_address(str, sa, proto, host, host_len);
}

static void assert_v4(const union socket_address *sa, const char *ip,
                      unsigned int port) {
  char buf[INET_ADDRSTRLEN];
  assert_int_equal(sa->sin.sin_family, AF_INET);
  assert_int_equal(ntohs(sa->sin.sin_port), port);
  assert_non_null(inet_ntop(AF_INET, &sa->sin.sin_addr, buf, sizeof(buf)));
  assert_string_equal(buf, ip);
}

static void test_parse_address_host_and_port(void **state) {
  union socket_address sa;
  char host[64];
  int proto;
  (void) state;
  assert_int_equal(parse_addr("1.2.3.4:80", &sa, &proto, host, sizeof(host)),
                   1);
  assert_v4(&sa, "1.2.3.4", 80);
  assert_int_equal(proto, SOCK_STREAM);
}

static void test_parse_address_tcp_scheme_gives_stream(void **state) {
  union socket_address sa;
  int proto;
  (void) state;
  assert_int_equal(parse_addr("tcp://10.0.0.1:65535", &sa, &proto, NULL, 0), 1);
  assert_v4(&sa, "10.0.0.1", 65535);
  assert_int_equal(proto, SOCK_STREAM);
}

static void test_parse_address_udp_scheme_gives_dgram(void **state) {
  union socket_address sa;
  int proto;
  (void) state;
  assert_int_equal(parse_addr("udp://127.0.0.1:53", &sa, &proto, NULL, 0), 1);
  assert_v4(&sa, "127.0.0.1", 53);
  assert_int_equal(proto, SOCK_DGRAM);
  assert_int_equal(parse_addr("udp://:5353", &sa, &proto, NULL, 0), 1);
  assert_v4(&sa, "0.0.0.0", 5353);
  assert_int_equal(proto, SOCK_DGRAM);
}

static void test_parse_address_bare_port_binds_any(void **state) {
  union socket_address sa;
  int proto;
  (void) state;
  assert_int_equal(parse_addr("8080", &sa, &proto, NULL, 0), 1);
  assert_v4(&sa, "0.0.0.0", 8080);
  assert_int_equal(proto, SOCK_STREAM);
}

static void test_parse_address_colon_port_binds_any(void **state) {
  union socket_address sa;
  int proto;
  (void) state;
  assert_int_equal(parse_addr(":8000", &sa, &proto, NULL, 0), 1);
  assert_v4(&sa, "0.0.0.0", 8000);
}

static void test_parse_address_port_zero_accepted(void **state) {
  union socket_address sa;
  int proto;
  (void) state;
  assert_int_equal(parse_addr("127.0.0.1:0", &sa, &proto, NULL, 0), 1);
  assert_v4(&sa, "127.0.0.1", 0);
}

static void test_parse_address_localhost_is_loopback(void **state) {
  union socket_address sa;
  char host[64];
  int proto;
  (void) state;
  host[0] = 'x';
  assert_int_equal(parse_addr("localhost:80", &sa, &proto, host, sizeof(host)),
                   1);
  assert_v4(&sa, "127.0.0.1", 80);
  assert_int_equal(parse_addr("LocalHost:81", &sa, &proto, NULL, 0), 1);
  assert_v4(&sa, "127.0.0.1", 81);
  // Only the exact name: "localhostx" is some other host.
  assert_int_equal(parse_addr("localhostx:1", &sa, &proto, host, sizeof(host)),
                   0);
}

static void test_parse_address_hostname_needs_resolving(void **state) {
  union socket_address sa;
  char host[64];
  int proto;
  (void) state;
  assert_int_equal(parse_addr("tcp://www.example-1.com:443", &sa, &proto, host,
                              sizeof(host)),
                   0);
  assert_string_equal(host, "www.example-1.com");
  assert_int_equal(sa.sin.sin_family, AF_INET);
  assert_int_equal(ntohs(sa.sin.sin_port), 443);
  assert_int_equal(proto, SOCK_STREAM);
}

static void test_parse_address_hostname_too_long_for_buffer(void **state) {
  union socket_address sa;
  char host[8];
  int proto;
  (void) state;
  // "abcdefg" (7 bytes + NUL) just fits; one more byte does not.
  assert_int_equal(parse_addr("abcdefg:1", &sa, &proto, host, sizeof(host)), 0);
  assert_string_equal(host, "abcdefg");
  assert_int_equal(parse_addr("abcdefgh:1", &sa, &proto, host, sizeof(host)),
                   -1);
  assert_int_equal(sa.sin.sin_family, 0);  // No half-filled address.
  assert_int_equal(parse_addr("abc:1", &sa, &proto, NULL, 0), -1);
}

static void test_parse_address_hostname_over_max_host_len(void **state) {
  char str[MG_MAX_HOST_LEN + 16], host[MG_MAX_HOST_LEN + 16];
  union socket_address sa;
  int proto;
  (void) state;
  memset(str, 'a', MG_MAX_HOST_LEN - 1);
  strcpy(str + MG_MAX_HOST_LEN - 1, ":1");
  assert_int_equal(parse_addr(str, &sa, &proto, host, sizeof(host)), 0);
  assert_int_equal(strlen(host), MG_MAX_HOST_LEN - 1);
  memset(str, 'a', MG_MAX_HOST_LEN);
  strcpy(str + MG_MAX_HOST_LEN, ":1");
  assert_int_equal(parse_addr(str, &sa, &proto, host, sizeof(host)), -1);
}

// Real DNS names carry '_' (SRV labels, some host names): accepted.
static void test_parse_address_hostname_with_underscore_accepted(void **s) {
  union socket_address sa;
  char host[64];
  int proto;
  (void) s;
  assert_int_equal(parse_addr("tcp://my_host:80", &sa, &proto, host, 64), 0);
  assert_string_equal(host, "my_host");
  assert_int_equal(ntohs(sa.sin.sin_port), 80);
  assert_int_equal(proto, SOCK_STREAM);
  assert_int_equal(parse_addr("udp://a_b.local:53", &sa, &proto, host, 64), 0);
  assert_string_equal(host, "a_b.local");
  assert_int_equal(ntohs(sa.sin.sin_port), 53);
  assert_int_equal(proto, SOCK_DGRAM);
  assert_int_equal(parse_addr("_srv._tcp.x:1", &sa, &proto, host, 64), 0);
  assert_string_equal(host, "_srv._tcp.x");
  assert_int_equal(parse_addr("ex_ample:80", &sa, &proto, host, 64), 0);
  assert_string_equal(host, "ex_ample");
}

static void test_parse_address_bad_hostname_chars_rejected(void **state) {
  union socket_address sa;
  char host[64];
  int proto;
  (void) state;
  assert_int_equal(parse_addr("ex~ample:80", &sa, &proto, host, 64), -1);
  assert_int_equal(parse_addr("a/b:80", &sa, &proto, host, 64), -1);
  assert_int_equal(parse_addr("*:80", &sa, &proto, host, 64), -1);
  assert_int_equal(parse_addr("a b:80", &sa, &proto, host, 64), -1);
}

static void test_parse_address_bad_ipv4_not_resolved(void **state) {
  union socket_address sa;
  char host[64];
  int proto;
  (void) state;
  assert_int_equal(parse_addr("1.2.3.256:80", &sa, &proto, host, 64), -1);
  assert_int_equal(parse_addr("1.2.3:80", &sa, &proto, host, 64), -1);
  assert_int_equal(parse_addr("1234:80", &sa, &proto, host, 64), -1);
}

static void test_parse_address_trailing_garbage_rejected(void **state) {
  union socket_address sa;
  int proto;
  (void) state;
  assert_int_equal(parse_addr("1.2.3.4:80x", &sa, &proto, NULL, 0), -1);
  assert_int_equal(parse_addr("1.2.3.4:80 ", &sa, &proto, NULL, 0), -1);
  assert_int_equal(parse_addr("80/", &sa, &proto, NULL, 0), -1);
  assert_int_equal(parse_addr("1.2.3.4:80:90", &sa, &proto, NULL, 0), -1);
}

static void test_parse_address_missing_port_rejected(void **state) {
  union socket_address sa;
  char host[64];
  int proto;
  (void) state;
  assert_int_equal(parse_addr("127.0.0.1", &sa, &proto, host, 64), -1);
  assert_int_equal(parse_addr("tcp://", &sa, &proto, host, 64), -1);
  assert_int_equal(parse_addr("example.com:", &sa, &proto, host, 64), -1);
  assert_int_equal(parse_addr("", &sa, &proto, host, 64), -1);
  assert_int_equal(parse_addr(":", &sa, &proto, host, 64), -1);
  assert_int_equal(parse_addr("example.com", &sa, &proto, host, 64), -1);
}

static void test_parse_address_port_out_of_range_rejected(void **state) {
  union socket_address sa;
  int proto;
  (void) state;
  assert_int_equal(parse_addr("65536", &sa, &proto, NULL, 0), -1);
  assert_int_equal(parse_addr("1.2.3.4:99999", &sa, &proto, NULL, 0), -1);
  assert_int_equal(parse_addr("1.2.3.4:-1", &sa, &proto, NULL, 0), -1);
  assert_int_equal(parse_addr("+80", &sa, &proto, NULL, 0), -1);
  // At most five digits, even with leading zeros.
  assert_int_equal(parse_addr("000080", &sa, &proto, NULL, 0), -1);
  assert_int_equal(parse_addr("00080", &sa, &proto, NULL, 0), 1);
  assert_v4(&sa, "0.0.0.0", 80);
}

static void test_parse_address_spaces_rejected(void **state) {
  union socket_address sa;
  int proto;
  (void) state;
  assert_int_equal(parse_addr(" 80", &sa, &proto, NULL, 0), -1);
  assert_int_equal(parse_addr("1.2.3.4: 80", &sa, &proto, NULL, 0), -1);
  assert_int_equal(parse_addr(" 1.2.3.4:80", &sa, &proto, NULL, 0), -1);
}

static void test_parse_address_unknown_scheme_rejected(void **state) {
  union socket_address sa;
  char host[64];
  int proto;
  (void) state;
  assert_int_equal(parse_addr("http://1.2.3.4:80", &sa, &proto, host, 64), -1);
  assert_int_equal(parse_addr("TCP://1.2.3.4:80", &sa, &proto, host, 64), -1);
  assert_int_equal(parse_addr("udp:/1.2.3.4:80", &sa, &proto, host, 64), -1);
}

static void test_parse_address_null_rejected(void **state) {
  union socket_address sa;
  int proto;
  (void) state;
  assert_int_equal(mg_parse_address(NULL, &sa, &proto, NULL, 0), -1);
  assert_int_equal(mg_parse_address("80", NULL, &proto, NULL, 0), -1);
  // proto may be left out by callers that do not care.
  assert_int_equal(mg_parse_address("80", &sa, NULL, NULL, 0), 1);
}

#if MG_ENABLE_IPV6
static void assert_v6(const union socket_address *sa, const char *ip,
                      unsigned int port) {
  char buf[INET6_ADDRSTRLEN];
  assert_int_equal(sa->sin6.sin6_family, AF_INET6);
  assert_int_equal(ntohs(sa->sin6.sin6_port), port);
  assert_non_null(inet_ntop(AF_INET6, &sa->sin6.sin6_addr, buf, sizeof(buf)));
  assert_string_equal(buf, ip);
}

static void test_parse_address_ipv6_literal(void **state) {
  union socket_address sa;
  char host[64];
  int proto;
  (void) state;
  assert_int_equal(parse_addr("[::1]:80", &sa, &proto, host, 64), 1);
  assert_v6(&sa, "::1", 80);
  assert_int_equal(proto, SOCK_STREAM);
  assert_int_equal(parse_addr("udp://[::]:53", &sa, &proto, host, 64), 1);
  assert_v6(&sa, "::", 53);
  assert_int_equal(proto, SOCK_DGRAM);
  assert_int_equal(parse_addr("[2001:db8::7]:65535", &sa, &proto, host, 64), 1);
  assert_v6(&sa, "2001:db8::7", 65535);
}

static void test_parse_address_ipv6_malformed_rejected(void **state) {
  union socket_address sa;
  char host[64];
  int proto;
  (void) state;
  assert_int_equal(parse_addr("[::1:80", &sa, &proto, host, 64), -1);
  assert_int_equal(parse_addr("[::1]80", &sa, &proto, host, 64), -1);
  assert_int_equal(parse_addr("[::1]:", &sa, &proto, host, 64), -1);
  assert_int_equal(parse_addr("[::1]:80x", &sa, &proto, host, 64), -1);
  assert_int_equal(parse_addr("[::1]:65536", &sa, &proto, host, 64), -1);
  assert_int_equal(parse_addr("[zz::1]:80", &sa, &proto, host, 64), -1);
  // Names in brackets are not resolved.
  assert_int_equal(parse_addr("[localhost]:80", &sa, &proto, host, 64), -1);
  assert_int_equal(sa.sin6.sin6_family, 0);
}
#endif

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_parse_uri_full),
    cmocka_unit_test(test_parse_uri_path_only),
    cmocka_unit_test(test_parse_uri_host_port_without_scheme),
    cmocka_unit_test(test_parse_uri_host_only_has_no_path),
    cmocka_unit_test(test_parse_uri_empty_host_with_scheme),
    cmocka_unit_test(test_parse_uri_empty_input_gives_empty_parts),
    cmocka_unit_test(test_parse_uri_ipv6_host_keeps_brackets),
    cmocka_unit_test(test_parse_uri_unterminated_bracket_rejected),
    cmocka_unit_test(test_parse_uri_junk_after_bracket_rejected),
    cmocka_unit_test(test_parse_uri_port_over_65535_rejected),
    cmocka_unit_test(test_parse_uri_non_digit_port_rejected),
    cmocka_unit_test(test_parse_uri_empty_port_is_zero),
    cmocka_unit_test(test_parse_uri_last_at_separates_user_info),
    cmocka_unit_test(test_parse_uri_query_and_fragment_keep_delimiters),
    cmocka_unit_test(test_parse_uri_colon_in_path_is_not_a_scheme),
    cmocka_unit_test(test_parse_uri_null_out_pointers_allowed),
    cmocka_unit_test(test_parse_uri_stops_at_slice_length),
    cmocka_unit_test(test_assemble_uri_full),
    cmocka_unit_test(test_assemble_uri_omits_absent_parts_and_port_zero),
    cmocka_unit_test(test_assemble_uri_ipv6_host_gets_brackets_once),
    cmocka_unit_test(test_assemble_uri_normalizes_path),
    cmocka_unit_test(test_assemble_uri_normalize_refuses_climb),
    cmocka_unit_test(test_assemble_uri_relative_path_gets_slash),
    cmocka_unit_test(test_assemble_uri_port_over_65535_rejected),
    cmocka_unit_test(test_assemble_uri_round_trips_parse),
    cmocka_unit_test(test_normalize_uri_path_examples),
    cmocka_unit_test(test_normalize_uri_path_keeps_dotted_names),
    cmocka_unit_test(test_normalize_uri_path_refuses_climb_above_root),
    cmocka_unit_test(test_normalize_uri_path_refuses_relative_path),
    cmocka_unit_test(test_normalize_uri_path_separate_output),
    cmocka_unit_test(test_parse_address_host_and_port),
    cmocka_unit_test(test_parse_address_tcp_scheme_gives_stream),
    cmocka_unit_test(test_parse_address_udp_scheme_gives_dgram),
    cmocka_unit_test(test_parse_address_bare_port_binds_any),
    cmocka_unit_test(test_parse_address_colon_port_binds_any),
    cmocka_unit_test(test_parse_address_port_zero_accepted),
    cmocka_unit_test(test_parse_address_localhost_is_loopback),
    cmocka_unit_test(test_parse_address_hostname_needs_resolving),
    cmocka_unit_test(test_parse_address_hostname_too_long_for_buffer),
    cmocka_unit_test(test_parse_address_hostname_over_max_host_len),
    cmocka_unit_test(test_parse_address_hostname_with_underscore_accepted),
    cmocka_unit_test(test_parse_address_bad_hostname_chars_rejected),
    cmocka_unit_test(test_parse_address_bad_ipv4_not_resolved),
    cmocka_unit_test(test_parse_address_trailing_garbage_rejected),
    cmocka_unit_test(test_parse_address_missing_port_rejected),
    cmocka_unit_test(test_parse_address_port_out_of_range_rejected),
    cmocka_unit_test(test_parse_address_spaces_rejected),
    cmocka_unit_test(test_parse_address_unknown_scheme_rejected),
    cmocka_unit_test(test_parse_address_null_rejected),
#if MG_ENABLE_IPV6
    cmocka_unit_test(test_parse_address_ipv6_literal),
    cmocka_unit_test(test_parse_address_ipv6_malformed_rejected),
#endif
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
