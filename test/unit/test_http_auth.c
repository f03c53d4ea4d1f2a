// Unit tests for Digest authentication (src/http_auth.c): the RFC 7616
// known answer, the server's checks (password, realm, user, nonce origin,
// nonce count replay), header parsing, the client header and the
// per-directory / global password file rules. The nonce helpers are
// static, so the test includes the amalgamation to make nonces of any age.
#include "../../mongoose.c"  // First: it sets the feature-test macros

#include <setjmp.h>

#include <cmocka.h>

#define REALM "example.com"

static void md5_hex(const char *s, char out[33]) {
  struct mg_md5_ctx ctx;
  unsigned char d[16];
  int i;
  mg_md5_init(&ctx);
  mg_md5_update(&ctx, (const unsigned char *) s, strlen(s));
  mg_md5_final(d, &ctx);
  for (i = 0; i < 16; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
}

// The RFC 7616 response for qop=auth, computed independently of the library.
static void digest_response(const char *user, const char *realm,
                            const char *pass, const char *method,
                            const char *uri, const char *nonce, const char *nc,
                            const char *cnonce, char out[33]) {
  char buf[1024], ha1[33], ha2[33];
  snprintf(buf, sizeof(buf), "%s:%s:%s", user, realm, pass);
  md5_hex(buf, ha1);
  snprintf(buf, sizeof(buf), "%s:%s", method, uri);
  md5_hex(buf, ha2);
  snprintf(buf, sizeof(buf), "%s:%s:%s:%s:auth:%s", ha1, nonce, nc, cnonce,
           ha2);
  md5_hex(buf, out);
}

// An htdigest file with the given "user:realm:password" entries.
static FILE *htdigest(const char *const *entries) {
  FILE *fp = tmpfile();
  char buf[512], ha1[33];
  assert_non_null(fp);
  for (; *entries != NULL; entries++) {
    const char *c = strrchr(*entries, ':');
    md5_hex(*entries, ha1);
    snprintf(buf, sizeof(buf), "%.*s:%s\n", (int) (c - *entries), *entries,
             ha1);
    fputs(buf, fp);
  }
  fflush(fp);
  return fp;
}

static const char *const s_users[] = {"alice:" REALM ":secret",
                                      "bob:other.org:hunter2", NULL};

// Gets a fresh challenge and returns the nonce in it (in out).
static void get_nonce(const char *realm, char *out, size_t size) {
  struct mg_connection c;
  const char *p, *q;
  memset(&c, 0, sizeof(c));
  mg_http_send_digest_auth_request(&c, realm);
  mbuf_append(&c.send_mbuf, "", 1);
  p = strstr(c.send_mbuf.buf, "nonce=\"");
  assert_non_null(p);
  p += 7;
  q = strchr(p, '"');
  assert_non_null(q);
  assert_true((size_t) (q - p) < size);
  memcpy(out, p, (size_t) (q - p));
  out[q - p] = '\0';
  mbuf_free(&c.send_mbuf);
}

// Calls mg_check_digest_auth for user/pass on GET /x with a fresh cnonce.
static int check(FILE *fp, const char *user, const char *pass,
                 const char *realm, const char *nonce, const char *nc) {
  char resp[33];
  const char *cnonce = "0a4f113b";
  digest_response(user, realm, pass, "GET", "/x", nonce, nc, cnonce, resp);
  return mg_check_digest_auth(mg_mk_str("GET"), mg_mk_str("/x"),
                              mg_mk_str(user), mg_mk_str(cnonce),
                              mg_mk_str(resp), mg_mk_str("auth"), mg_mk_str(nc),
                              mg_mk_str(nonce), mg_mk_str(realm), fp);
}

static void test_rfc7616_md5_example_known_answer(void **state) {
  char resp[33];
  (void) state;
  digest_response("Mufasa", "http-auth@example.org", "Circle of Life", "GET",
                  "/dir/index.html",
                  "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "00000001",
                  "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", resp);
  assert_string_equal(resp, "8ca523f5e9506fed4657c9700eebdbec");
}

static void test_rfc7616_example_nonce_is_not_ours(void **state) {
  static const char *const users[] = {
      "Mufasa:http-auth@example.org:Circle of Life", NULL};
  FILE *fp = htdigest(users);
  (void) state;
  assert_int_equal(
      check(fp, "Mufasa", "Circle of Life", "http-auth@example.org",
            "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "00000001"),
      0);
  fclose(fp);
}

static void test_challenge_is_401_with_qop_realm_nonce(void **state) {
  struct mg_connection c;
  (void) state;
  memset(&c, 0, sizeof(c));
  mg_http_send_digest_auth_request(&c, REALM);
  mbuf_append(&c.send_mbuf, "", 1);
  assert_memory_equal(c.send_mbuf.buf, "HTTP/1.1 401 Unauthorized\r\n", 27);
  assert_non_null(strstr(c.send_mbuf.buf,
                         "\r\nWWW-Authenticate: Digest qop=\"auth\", "
                         "realm=\"" REALM "\", nonce=\""));
  assert_non_null(strstr(c.send_mbuf.buf, "\r\nContent-Length: 0\r\n\r\n"));
  assert_int_equal(strlen(strstr(c.send_mbuf.buf, "\r\n\r\n")), 4);
  mbuf_free(&c.send_mbuf);
}

static void test_challenge_escapes_realm(void **state) {
  struct mg_connection c;
  (void) state;
  memset(&c, 0, sizeof(c));
  mg_http_send_digest_auth_request(&c, "a\"b\\c\r\nX: y");
  mbuf_append(&c.send_mbuf, "", 1);
  assert_non_null(strstr(c.send_mbuf.buf, "realm=\"a\\\"b\\\\cX: y\""));
  assert_null(strstr(c.send_mbuf.buf, "\r\nX: y"));
  mbuf_free(&c.send_mbuf);
}

static void test_each_challenge_has_a_new_nonce(void **state) {
  char a[100], b[100];
  (void) state;
  get_nonce(REALM, a, sizeof(a));
  get_nonce(REALM, b, sizeof(b));
  assert_string_not_equal(a, b);
}

// The nonce fits a 6.x client's buffer: at most 32 characters (here
// exactly 32 lowercase hex digits: time, counter and MAC).
static void test_nonce_is_32_hex_chars(void **state) {
  char nonce[100];
  size_t i;
  (void) state;
  get_nonce(REALM, nonce, sizeof(nonce));
  assert_int_equal(strlen(nonce), 32);
  for (i = 0; i < 32; i++) {
    assert_non_null(strchr("0123456789abcdef", nonce[i]));
  }
}

// A nonce the server would have issued at time stamp with counter ctr.
// Tests use counters near 0xffff, which the real counter does not reach in
// a test run, so that these nonces never equal one the server issues.
static void nonce_at(uint32_t stamp, unsigned ctr, char *out) {
  snprintf(out, AUTH_NONCE_STAMP + 1, "%08lx%04x", (unsigned long) stamp,
           ctr & 0xffffU);
  auth_sign(out, out + AUTH_NONCE_STAMP);
}

// Nonces live an hour (AUTH_NONCE_TTL); clocks may differ by a minute.
static void test_nonce_older_than_an_hour_rejected(void **state) {
  FILE *fp = htdigest(s_users);
  uint32_t now = (uint32_t) mg_time();
  char nonce[AUTH_NONCE_LEN + 1];
  (void) state;
  nonce_at(now - AUTH_NONCE_TTL + 60, 0xfff1, nonce);
  assert_int_equal(strlen(nonce), 32);
  assert_int_equal(check(fp, "alice", "secret", REALM, nonce, "00000001"), 1);
  nonce_at(now - AUTH_NONCE_TTL - 60, 0xfff2, nonce);
  assert_int_equal(check(fp, "alice", "secret", REALM, nonce, "00000001"), 0);
  nonce_at(now + AUTH_NONCE_SKEW / 2, 0xfff3, nonce);
  assert_int_equal(check(fp, "alice", "secret", REALM, nonce, "00000001"), 1);
  nonce_at(now + AUTH_NONCE_SKEW * 10, 0xfff4, nonce);
  assert_int_equal(check(fp, "alice", "secret", REALM, nonce, "00000001"), 0);
  fclose(fp);
}

// The MAC is keyed: a well-formed nonce with any other MAC is refused,
// and so is one whose MAC digits are cut or padded.
static void test_nonce_with_forged_mac_rejected(void **state) {
  FILE *fp = htdigest(s_users);
  char nonce[AUTH_NONCE_LEN + 1], forged[AUTH_NONCE_LEN + 2];
  (void) state;
  nonce_at((uint32_t) mg_time(), 0xfff5, nonce);
  memcpy(forged, nonce, AUTH_NONCE_STAMP);
  memset(forged + AUTH_NONCE_STAMP, '0', 2 * AUTH_MAC_BYTES);
  forged[AUTH_NONCE_LEN] = '\0';
  assert_int_equal(check(fp, "alice", "secret", REALM, forged, "00000001"), 0);
  memcpy(forged, nonce, AUTH_NONCE_LEN);
  forged[AUTH_NONCE_LEN] = '0';
  forged[AUTH_NONCE_LEN + 1] = '\0';
  assert_int_equal(check(fp, "alice", "secret", REALM, forged, "00000001"), 0);
  assert_int_equal(check(fp, "alice", "secret", REALM, nonce, "00000001"), 1);
  fclose(fp);
}

static void test_valid_response_accepted(void **state) {
  FILE *fp = htdigest(s_users);
  char nonce[100];
  (void) state;
  get_nonce(REALM, nonce, sizeof(nonce));
  assert_int_equal(check(fp, "alice", "secret", REALM, nonce, "00000001"), 1);
  // The file is read from its start on every call.
  get_nonce("other.org", nonce, sizeof(nonce));
  assert_int_equal(check(fp, "bob", "hunter2", "other.org", nonce, "00000001"),
                   1);
  fclose(fp);
}

static void test_wrong_password_rejected(void **state) {
  FILE *fp = htdigest(s_users);
  char nonce[100];
  (void) state;
  get_nonce(REALM, nonce, sizeof(nonce));
  assert_int_equal(check(fp, "alice", "Secret", REALM, nonce, "00000001"), 0);
  assert_int_equal(check(fp, "alice", "", REALM, nonce, "00000001"), 0);
  fclose(fp);
}

static void test_unknown_user_and_realm_mismatch_rejected(void **state) {
  FILE *fp = htdigest(s_users);
  char nonce[100];
  (void) state;
  get_nonce(REALM, nonce, sizeof(nonce));
  assert_int_equal(check(fp, "carol", "secret", REALM, nonce, "00000001"), 0);
  assert_int_equal(check(fp, "alic", "secret", REALM, nonce, "00000001"), 0);
  // bob exists, but in another realm.
  assert_int_equal(check(fp, "bob", "hunter2", REALM, nonce, "00000001"), 0);
  // alice's password is right, but the server's realm is another one.
  assert_int_equal(check(fp, "alice", "secret", "other.org", nonce, "00000001"),
                   0);
  fclose(fp);
}

static void test_tampered_nonce_rejected(void **state) {
  FILE *fp = htdigest(s_users);
  char nonce[100], bad[100];
  size_t i, len;
  (void) state;
  get_nonce(REALM, nonce, sizeof(nonce));
  len = strlen(nonce);
  // Change each character in turn: time, counter and MAC are all covered.
  for (i = 0; i < len; i++) {
    strcpy(bad, nonce);
    bad[i] = bad[i] == '0' ? '1' : '0';
    assert_int_equal(check(fp, "alice", "secret", REALM, bad, "00000001"), 0);
  }
  strcpy(bad, nonce);
  bad[len - 1] = '\0';
  assert_int_equal(check(fp, "alice", "secret", REALM, bad, "00000001"), 0);
  assert_int_equal(check(fp, "alice", "secret", REALM, "", "00000001"), 0);
  assert_int_equal(check(fp, "alice", "secret", REALM, nonce, "00000001"), 1);
  fclose(fp);
}

static void test_replayed_or_decreasing_nc_rejected(void **state) {
  FILE *fp = htdigest(s_users);
  char nonce[100];
  (void) state;
  get_nonce(REALM, nonce, sizeof(nonce));
  assert_int_equal(check(fp, "alice", "secret", REALM, nonce, "00000001"), 1);
  assert_int_equal(check(fp, "alice", "secret", REALM, nonce, "00000001"), 0);
  assert_int_equal(check(fp, "alice", "secret", REALM, nonce, "00000003"), 1);
  assert_int_equal(check(fp, "alice", "secret", REALM, nonce, "00000002"), 0);
  assert_int_equal(check(fp, "alice", "secret", REALM, nonce, "0000000A"), 1);
  assert_int_equal(check(fp, "alice", "secret", REALM, nonce, "0000000a"), 0);
  fclose(fp);
}

static void test_failed_attempt_does_not_advance_nc(void **state) {
  FILE *fp = htdigest(s_users);
  char nonce[100];
  (void) state;
  get_nonce(REALM, nonce, sizeof(nonce));
  assert_int_equal(check(fp, "alice", "wrong", REALM, nonce, "00000009"), 0);
  assert_int_equal(check(fp, "alice", "secret", REALM, nonce, "00000001"), 1);
  fclose(fp);
}

// The nonce count table is bounded: the documented limit of the replay check.
static void test_nc_table_forgets_least_recently_used_nonce(void **state) {
  FILE *fp = htdigest(s_users);
  char first[100], other[100];
  int i;
  (void) state;
  get_nonce(REALM, first, sizeof(first));
  assert_int_equal(check(fp, "alice", "secret", REALM, first, "00000001"), 1);
  for (i = 0; i < 64; i++) {
    get_nonce(REALM, other, sizeof(other));
    assert_int_equal(check(fp, "alice", "secret", REALM, other, "00000001"), 1);
  }
  assert_int_equal(check(fp, "alice", "secret", REALM, first, "00000001"), 1);
  fclose(fp);
}

static void test_bad_nc_and_qop_rejected(void **state) {
  static const char *const bad_nc[] = {
      "", "1", "0000001", "000000001", "0000000g", "00000000", " 0000001"};
  FILE *fp = htdigest(s_users);
  char nonce[100], resp[33];
  size_t i;
  (void) state;
  get_nonce(REALM, nonce, sizeof(nonce));
  for (i = 0; i < sizeof(bad_nc) / sizeof(bad_nc[0]); i++) {
    assert_int_equal(check(fp, "alice", "secret", REALM, nonce, bad_nc[i]), 0);
  }
  // qop must be "auth": no RFC 2069 responses, no auth-int.
  digest_response("alice", REALM, "secret", "GET", "/x", nonce, "00000001", "c",
                  resp);
  assert_int_equal(
      mg_check_digest_auth(mg_mk_str("GET"), mg_mk_str("/x"),
                           mg_mk_str("alice"), mg_mk_str("c"), mg_mk_str(resp),
                           mg_mk_str(""), mg_mk_str("00000001"),
                           mg_mk_str(nonce), mg_mk_str(REALM), fp),
      0);
  assert_int_equal(
      mg_check_digest_auth(mg_mk_str("GET"), mg_mk_str("/x"),
                           mg_mk_str("alice"), mg_mk_str("c"), mg_mk_str(resp),
                           mg_mk_str("auth-int"), mg_mk_str("00000001"),
                           mg_mk_str(nonce), mg_mk_str(REALM), fp),
      0);
  assert_int_equal(
      mg_check_digest_auth(mg_mk_str("GET"), mg_mk_str("/x"),
                           mg_mk_str("alice"), mg_mk_str("c"), mg_mk_str(resp),
                           mg_mk_str("auth"), mg_mk_str("00000001"),
                           mg_mk_str(nonce), mg_mk_str(REALM), NULL),
      0);
  assert_int_equal(
      mg_check_digest_auth(mg_mk_str("GET"), mg_mk_str("/x"),
                           mg_mk_str("alice"), mg_mk_str("c"), mg_mk_str(resp),
                           mg_mk_str("auth"), mg_mk_str("00000001"),
                           mg_mk_str(nonce), mg_mk_str(REALM), fp),
      1);
  fclose(fp);
}

static void test_htdigest_file_format(void **state) {
  FILE *fp = tmpfile();
  char nonce[100], ha1[33], line[3000];
  size_t i;
  (void) state;
  assert_non_null(fp);
  md5_hex("carol:" REALM ":pw", ha1);
  // A long line is skipped whole: its tail is not read as a line, even when
  // the tail looks like an entry (lines are read 511 bytes at a time).
  memset(line, 'x', sizeof(line));
  snprintf(line + 3 * 511, sizeof(line) - 3 * 511, "carol:" REALM ":%s\n",
           "00000000000000000000000000000000");
  fputs(line, fp);
  fputs("garbage\n:\n::\nbad:" REALM ":123\n", fp);
  for (i = 0; i < 32; i++) ha1[i] = (char) toupper((unsigned char) ha1[i]);
  fprintf(fp, "carol:" REALM ":%s\r\n", ha1);  // Uppercase HA1, CRLF
  fprintf(fp, "dave:" REALM ":%s", ha1);       // No final newline
  fflush(fp);
  get_nonce(REALM, nonce, sizeof(nonce));
  assert_int_equal(check(fp, "carol", "pw", REALM, nonce, "00000001"), 1);
  assert_int_equal(check(fp, "bad", "pw", REALM, nonce, "00000002"), 0);
  fclose(fp);
}

// Sets hm to "GET uri?query" with one Authorization header.
static void make_request(struct http_message *hm, const char *method,
                         const char *uri, const char *query, const char *auth) {
  memset(hm, 0, sizeof(*hm));
  hm->method = mg_mk_str(method);
  hm->uri = mg_mk_str(uri);
  hm->query_string = mg_mk_str(query);
  hm->proto = mg_mk_str("HTTP/1.1");
  hm->header_names[0] = mg_mk_str("Host");
  hm->header_values[0] = mg_mk_str("localhost");
  if (auth != NULL) {
    hm->header_names[1] = mg_mk_str("Authorization");
    hm->header_values[1] = mg_mk_str(auth);
  }
}

// Builds the Authorization header a browser would send for target.
static void auth_header(char *buf, size_t size, const char *user,
                        const char *pass, const char *target, const char *nonce,
                        const char *nc) {
  char resp[33];
  digest_response(user, REALM, pass, "GET", target, nonce, nc, "abc123", resp);
  snprintf(buf, size,
           "Digest username=\"%s\", realm=\"" REALM
           "\", nonce=\"%s\", "
           "uri=\"%s\", algorithm=MD5, response=\"%s\", qop=auth, nc=%s, "
           "cnonce=\"abc123\"",
           user, nonce, target, resp, nc);
}

static void test_check_http_header(void **state) {
  FILE *fp = htdigest(s_users);
  struct http_message hm;
  char nonce[100], hdr[1024];
  (void) state;
  get_nonce(REALM, nonce, sizeof(nonce));
  auth_header(hdr, sizeof(hdr), "alice", "secret", "/a/b?x=1", nonce,
              "00000001");
  make_request(&hm, "GET", "/a/b", "x=1", hdr);
  assert_int_equal(mg_http_check_digest_auth(&hm, REALM, fp), 1);
  // The same header again is a replay.
  assert_int_equal(mg_http_check_digest_auth(&hm, REALM, fp), 0);
  // Method is part of the hash.
  auth_header(hdr, sizeof(hdr), "alice", "secret", "/a/b?x=1", nonce,
              "00000002");
  make_request(&hm, "POST", "/a/b", "x=1", hdr);
  assert_int_equal(mg_http_check_digest_auth(&hm, REALM, fp), 0);
  make_request(&hm, "GET", "/a/b", "x=1", hdr);
  assert_int_equal(mg_http_check_digest_auth(&hm, "other.org", fp), 0);
  assert_int_equal(mg_http_check_digest_auth(&hm, REALM, NULL), 0);
  assert_int_equal(mg_http_check_digest_auth(&hm, REALM, fp), 1);
  fclose(fp);
}

static void test_header_uri_must_be_request_target(void **state) {
  FILE *fp = htdigest(s_users);
  struct http_message hm;
  char nonce[100], hdr[1024];
  (void) state;
  get_nonce(REALM, nonce, sizeof(nonce));
  // A valid answer for another resource is not valid for this one.
  auth_header(hdr, sizeof(hdr), "alice", "secret", "/public", nonce,
              "00000001");
  make_request(&hm, "GET", "/secret", "", hdr);
  assert_int_equal(mg_http_check_digest_auth(&hm, REALM, fp), 0);
  auth_header(hdr, sizeof(hdr), "alice", "secret", "/secret", nonce,
              "00000002");
  make_request(&hm, "GET", "/secret", "a=1", hdr);
  assert_int_equal(mg_http_check_digest_auth(&hm, REALM, fp), 0);
  auth_header(hdr, sizeof(hdr), "alice", "secret", "/secret?a=2", nonce,
              "00000003");
  assert_int_equal(mg_http_check_digest_auth(&hm, REALM, fp), 0);
  auth_header(hdr, sizeof(hdr), "alice", "secret", "/secretX", nonce,
              "00000004");
  make_request(&hm, "GET", "/secret", "", hdr);
  assert_int_equal(mg_http_check_digest_auth(&hm, REALM, fp), 0);
  auth_header(hdr, sizeof(hdr), "alice", "secret", "/secret", nonce,
              "00000005");
  assert_int_equal(mg_http_check_digest_auth(&hm, REALM, fp), 1);
  fclose(fp);
}

static void test_malformed_and_long_headers_are_safe(void **state) {
  static const char *const bad[] = {
      "",
      "Digest",
      "Digest ",
      "Basic YWxpY2U6c2VjcmV0",
      "Digest username=\"alice",
      "Digest username=alice, uri=/x, nonce=\"",
      "Digest ===,,,;;;\"\"\"",
      "Digest username=\"\", realm=\"\", nonce=\"\", uri=\"\", response=\"\", "
      "qop=, nc=, cnonce=\"\"",
      "Digest username=\"a\\\"",
      "Digest \\\\\\\\\\\\\\",
  };
  FILE *fp = htdigest(s_users);
  struct http_message hm;
  char *big = (char *) malloc(20000);
  size_t i;
  (void) state;
  assert_non_null(big);
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    make_request(&hm, "GET", "/x", "", bad[i]);
    assert_int_equal(mg_http_check_digest_auth(&hm, REALM, fp), 0);
  }
  make_request(&hm, "GET", "/x", "", NULL);
  assert_int_equal(mg_http_check_digest_auth(&hm, REALM, fp), 0);
  // Values larger than any stack buffer.
  strcpy(big, "Digest username=\"");
  memset(big + strlen(big), 'u', 15000);
  strcpy(big + 17 + 15000, "\", uri=\"/x\", nonce=\"");
  i = strlen(big);
  memset(big + i, 'n', 3000);
  strcpy(big + i + 3000,
         "\", qop=auth, nc=00000001, cnonce=\"c\", response=\"r\"");
  make_request(&hm, "GET", "/x", "", big);
  assert_int_equal(mg_http_check_digest_auth(&hm, REALM, fp), 0);
  free(big);
  fclose(fp);
}

static void test_client_header_format_and_known_answer(void **state) {
  char buf[512], resp[33], cnonce[64];
  const char *p;
  int n;
  (void) state;
  n = mg_http_create_digest_auth_header(buf, sizeof(buf), "GET", "/dir?a=b",
                                        REALM, "alice", "secret", "NONCE");
  assert_int_equal(n, (int) strlen(buf));
  assert_non_null(strstr(buf,
                         "Authorization: Digest username=\"alice\", "
                         "realm=\"" REALM "\", nonce=\"NONCE\", "
                         "uri=\"/dir?a=b\", qop=auth, nc=00000001, "
                         "cnonce=\""));
  assert_null(strchr(buf, '\r'));
  p = strstr(buf, "cnonce=\"") + 8;
  assert_true(strchr(p, '"') - p < (long) sizeof(cnonce));
  memcpy(cnonce, p, (size_t) (strchr(p, '"') - p));
  cnonce[strchr(p, '"') - p] = '\0';
  assert_true(strlen(cnonce) >= 8);
  digest_response("alice", REALM, "secret", "GET", "/dir?a=b", "NONCE",
                  "00000001", cnonce, resp);
  p = strstr(buf, "response=\"");
  assert_non_null(p);
  assert_memory_equal(p + 10, resp, 32);
  assert_string_equal(p + 42, "\"");
}

static void test_client_header_too_small_buffer(void **state) {
  char buf[512];
  int n;
  (void) state;
  n = mg_http_create_digest_auth_header(buf, sizeof(buf), "GET", "/", REALM,
                                        "alice", "secret", "NONCE");
  assert_true(n > 0);
  assert_int_equal(
      mg_http_create_digest_auth_header(buf, (size_t) n, "GET", "/", REALM,
                                        "alice", "secret", "NONCE"),
      0);
  assert_string_equal(buf, "");
  assert_int_equal(
      mg_http_create_digest_auth_header(buf, (size_t) n + 1, "GET", "/", REALM,
                                        "alice", "secret", "NONCE"),
      n);
  assert_int_equal(mg_http_create_digest_auth_header(NULL, 0, "GET", "/", REALM,
                                                     "a", "b", "c"),
                   0);
}

static void test_client_header_accepted_by_server(void **state) {
  FILE *fp = htdigest(s_users);
  struct http_message hm;
  char nonce[100], buf[512];
  (void) state;
  get_nonce(REALM, nonce, sizeof(nonce));
  assert_true(mg_http_create_digest_auth_header(buf, sizeof(buf), "GET",
                                                "/p?q=1", REALM, "alice",
                                                "secret", nonce) > 0);
  make_request(&hm, "GET", "/p", "q=1", buf + strlen("Authorization: "));
  assert_int_equal(mg_http_check_digest_auth(&hm, REALM, fp), 1);
  fclose(fp);
}

// ---- mg_http_is_authorized ---------------------------------------------

static char s_dir[64];

static void write_htdigest(const char *path, const char *entry) {
  FILE *fp = fopen(path, "w");
  char ha1[33];
  assert_non_null(fp);
  md5_hex(entry, ha1);
  fprintf(fp, "%.*s:%s\n", (int) (strrchr(entry, ':') - entry), entry, ha1);
  fclose(fp);
}

static int setup_dir(void **state) {
  char path[128];
  (void) state;
  strcpy(s_dir, "/tmp/mg_auth_XXXXXX");
  if (mkdtemp(s_dir) == NULL) return -1;
  snprintf(path, sizeof(path), "%s/sub", s_dir);
  mkdir(path, 0700);
  snprintf(path, sizeof(path), "%s/sub/.htpasswd", s_dir);
  write_htdigest(path, "alice:" REALM ":secret");
  snprintf(path, sizeof(path), "%s/global", s_dir);
  write_htdigest(path, "bob:" REALM ":pw");
  return 0;
}

static int teardown_dir(void **state) {
  char cmd[128];
  (void) state;
  snprintf(cmd, sizeof(cmd), "rm -rf %s", s_dir);
  return system(cmd) == 0 ? 0 : -1;
}

// Returns mg_http_is_authorized for GET /x with the given credentials.
static int authorized(const char *user, const char *pass, const char *path,
                      const char *file, int flags) {
  struct http_message hm;
  char nonce[100], hdr[1024];
  static int nc;
  char ncs[9];
  snprintf(ncs, sizeof(ncs), "%08x", (unsigned) ++nc);
  get_nonce(REALM, nonce, sizeof(nonce));
  auth_header(hdr, sizeof(hdr), user, pass, "/x", nonce, ncs);
  make_request(&hm, "GET", "/x", "", user == NULL ? NULL : hdr);
  return mg_http_is_authorized(&hm, mg_mk_str(path), REALM, file, flags);
}

static void test_is_authorized_without_file_name(void **state) {
  (void) state;
  assert_int_equal(authorized(NULL, NULL, "/any", NULL, 0), 1);
  assert_int_equal(
      authorized(NULL, NULL, "/any", NULL, MG_AUTH_FLAG_IS_GLOBAL_PASS_FILE),
      1);
}

static void test_is_authorized_global_file(void **state) {
  char global[128], missing[128];
  int g = MG_AUTH_FLAG_IS_GLOBAL_PASS_FILE;
  (void) state;
  snprintf(global, sizeof(global), "%s/global", s_dir);
  snprintf(missing, sizeof(missing), "%s/missing", s_dir);
  assert_int_equal(authorized("bob", "pw", "/anything", global, g), 1);
  assert_int_equal(authorized("bob", "bad", "/anything", global, g), 0);
  assert_int_equal(authorized(NULL, NULL, "/anything", global, g), 0);
  assert_int_equal(authorized("alice", "secret", "/anything", global, g), 0);
  // A missing global file denies everything unless told otherwise.
  assert_int_equal(authorized("bob", "pw", "/anything", missing, g), 0);
  assert_int_equal(authorized(NULL, NULL, "/anything", missing,
                              g | MG_AUTH_FLAG_ALLOW_MISSING_FILE),
                   1);
}

static void test_is_authorized_per_directory_file(void **state) {
  char file[128], dir[128], top[128];
  int d = MG_AUTH_FLAG_IS_DIRECTORY;
  (void) state;
  snprintf(file, sizeof(file), "%s/sub/page.html", s_dir);
  snprintf(dir, sizeof(dir), "%s/sub", s_dir);
  snprintf(top, sizeof(top), "%s/page.html", s_dir);
  assert_int_equal(authorized("alice", "secret", file, ".htpasswd", 0), 1);
  assert_int_equal(authorized("alice", "nope", file, ".htpasswd", 0), 0);
  assert_int_equal(authorized(NULL, NULL, file, ".htpasswd", 0), 0);
  assert_int_equal(authorized("alice", "secret", dir, ".htpasswd", d), 1);
  assert_int_equal(authorized(NULL, NULL, dir, ".htpasswd", d), 0);
  strcat(dir, "/");
  assert_int_equal(authorized(NULL, NULL, dir, ".htpasswd", d), 0);
  assert_int_equal(authorized("alice", "secret", dir, ".htpasswd", d), 1);
  // A directory without its own password file is open.
  assert_int_equal(authorized(NULL, NULL, top, ".htpasswd", 0), 1);
  assert_int_equal(authorized(NULL, NULL, s_dir, ".htpasswd", d), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rfc7616_md5_example_known_answer),
      cmocka_unit_test(test_rfc7616_example_nonce_is_not_ours),
      cmocka_unit_test(test_challenge_is_401_with_qop_realm_nonce),
      cmocka_unit_test(test_challenge_escapes_realm),
      cmocka_unit_test(test_each_challenge_has_a_new_nonce),
      cmocka_unit_test(test_nonce_is_32_hex_chars),
      cmocka_unit_test(test_nonce_older_than_an_hour_rejected),
      cmocka_unit_test(test_nonce_with_forged_mac_rejected),
      cmocka_unit_test(test_valid_response_accepted),
      cmocka_unit_test(test_wrong_password_rejected),
      cmocka_unit_test(test_unknown_user_and_realm_mismatch_rejected),
      cmocka_unit_test(test_tampered_nonce_rejected),
      cmocka_unit_test(test_replayed_or_decreasing_nc_rejected),
      cmocka_unit_test(test_failed_attempt_does_not_advance_nc),
      cmocka_unit_test(test_nc_table_forgets_least_recently_used_nonce),
      cmocka_unit_test(test_bad_nc_and_qop_rejected),
      cmocka_unit_test(test_htdigest_file_format),
      cmocka_unit_test(test_check_http_header),
      cmocka_unit_test(test_header_uri_must_be_request_target),
      cmocka_unit_test(test_malformed_and_long_headers_are_safe),
      cmocka_unit_test(test_client_header_format_and_known_answer),
      cmocka_unit_test(test_client_header_too_small_buffer),
      cmocka_unit_test(test_client_header_accepted_by_server),
      cmocka_unit_test(test_is_authorized_without_file_name),
      cmocka_unit_test(test_is_authorized_global_file),
      cmocka_unit_test(test_is_authorized_per_directory_file),
  };
  return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
