// Unit tests for src/util.c: time, mg_skip, base64, URL coding, address
// formatting, IP ACLs, hexdumps, file wrappers and threads.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mongoose.h"

static void assert_slice(struct mg_str s, const char *expected) {
  assert_int_equal(s.len, strlen(expected));
  assert_memory_equal(s.p, expected, s.len);
}

static void test_time_follows_wall_clock(void **state) {
  double t1 = mg_time(), t2;
  time_t now = time(NULL);
  (void) state;
  assert_true(t1 > 1.5e9);
  assert_true(t1 - (double) now < 2.0 && (double) now - t1 < 2.0);
  t2 = mg_time();
  assert_true(t2 >= t1);
}

static void test_skip_splits_token_and_skips_delimiters(void **state) {
  const char *s = "GET  /index.html HTTP/1.1";
  const char *end = s + strlen(s);
  struct mg_str v;
  (void) state;
  s = mg_skip(s, end, " ", &v);
  assert_slice(v, "GET");
  assert_int_equal(*s, '/');  // Both spaces skipped.
  s = mg_skip(s, end, " ", &v);
  assert_slice(v, "/index.html");
  s = mg_skip(s, end, " ", &v);
  assert_slice(v, "HTTP/1.1");
  assert_ptr_equal(s, end);
}

static void test_skip_stops_at_end_string(void **state) {
  const char *s = "abc def";
  struct mg_str v;
  const char *r = mg_skip(s, s + 2, " ", &v);
  (void) state;
  assert_slice(v, "ab");
  assert_ptr_equal(r, s + 2);
  r = mg_skip(s, s, " ", &v);  // Empty range.
  assert_int_equal(v.len, 0);
  assert_ptr_equal(r, s);
}

static void test_skip_with_several_delimiters(void **state) {
  const char *s = "a=1; b=2";
  struct mg_str v;
  const char *r = mg_skip(s, s + strlen(s), "; ", &v);
  (void) state;
  assert_slice(v, "a=1");
  assert_string_equal(r, "b=2");
}

static void test_base64_rfc4648_vectors(void **state) {
  static const char *plain[] = {"",     "f",     "fo",    "foo",
                                "foob", "fooba", "foobar"};
  static const char *enc[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                              "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  char out[32];
  size_t i;
  (void) state;
  for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
    memset(out, 'X', sizeof(out));
    mg_base64_encode((const unsigned char *) plain[i], (int) strlen(plain[i]),
                     out);
    assert_string_equal(out, enc[i]);
  }
}

static void test_base64_decode_rfc4648_vectors(void **state) {
  static const char *plain[] = {"",     "f",     "fo",    "foo",
                                "foob", "fooba", "foobar"};
  static const char *enc[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                              "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  char out[32];
  size_t i;
  int n;
  (void) state;
  for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
    memset(out, 'X', sizeof(out));
    n = mg_base64_decode((const unsigned char *) enc[i], (int) strlen(enc[i]),
                         out);
    assert_int_equal(n, strlen(enc[i]));
    assert_string_equal(out, plain[i]);
  }
}

static void test_base64_round_trips_every_byte_value(void **state) {
  unsigned char src[256];
  char enc[4 * ((256 + 2) / 3) + 1], dec[256 + 1];
  int i, n;
  (void) state;
  for (i = 0; i < 256; i++) src[i] = (unsigned char) (255 - i);
  for (n = 0; n <= 256; n += 37) {
    mg_base64_encode(src, n, enc);
    assert_int_equal(strlen(enc), 4 * ((n + 2) / 3));
    assert_int_equal(
        mg_base64_decode((unsigned char *) enc, (int) strlen(enc), dec),
        strlen(enc));
    assert_memory_equal(dec, src, (size_t) n);
    assert_int_equal(dec[n], '\0');
  }
}

static void test_base64_decode_stops_at_invalid_byte(void **state) {
  char out[16];
  (void) state;
  assert_int_equal(mg_base64_decode((const unsigned char *) "Zm9v*m9v", 8, out),
                   4);
  assert_string_equal(out, "foo");
  assert_int_equal(mg_base64_decode((const unsigned char *) "Zm 9", 4, out), 0);
  assert_string_equal(out, "");
}

static void test_base64_decode_stops_after_padding(void **state) {
  char out[16];
  (void) state;
  assert_int_equal(mg_base64_decode((const unsigned char *) "Zg==Zm9v", 8, out),
                   4);
  assert_string_equal(out, "f");
}

static void test_base64_decode_rejects_misplaced_padding(void **state) {
  char out[16];
  (void) state;
  assert_int_equal(mg_base64_decode((const unsigned char *) "=Zg=", 4, out), 0);
  assert_int_equal(mg_base64_decode((const unsigned char *) "Z===", 4, out), 0);
  assert_int_equal(mg_base64_decode((const unsigned char *) "Zg=v", 4, out), 0);
  assert_string_equal(out, "");
}

static void test_base64_decode_ignores_incomplete_quantum(void **state) {
  char out[16];
  (void) state;
  assert_int_equal(mg_base64_decode((const unsigned char *) "Zm9vYm", 6, out),
                   4);
  assert_string_equal(out, "foo");
  assert_int_equal(mg_base64_decode((const unsigned char *) "Zm9v", 3, out), 0);
}

static void test_mbuf_append_base64_matches_encoder(void **state) {
  struct mbuf mb;
  (void) state;
  mbuf_init(&mb, 0);
  mg_mbuf_append_base64(&mb, "foobar", 6);
  mg_mbuf_append_base64(&mb, "f", 1);
  mg_mbuf_append_base64(&mb, "", 0);
  assert_int_equal(mb.len, 12);
  assert_memory_equal(mb.buf, "Zm9vYmFyZg==", 12);
  mbuf_free(&mb);
}

static void test_mbuf_append_base64_putc_appends_one_byte(void **state) {
  struct mbuf mb;
  (void) state;
  mbuf_init(&mb, 0);
  mg_mbuf_append_base64_putc('Q', &mb);
  mg_mbuf_append_base64_putc('=', &mb);
  assert_int_equal(mb.len, 2);
  assert_memory_equal(mb.buf, "Q=", 2);
  mbuf_free(&mb);
}

static void test_basic_auth_header_encodes_user_colon_pass(void **state) {
  static const char want[] =
      "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n";
  struct mbuf mb;
  (void) state;
  mbuf_init(&mb, 0);
  mg_basic_auth_header(mg_mk_str("Aladdin"), mg_mk_str("open sesame"), &mb);
  assert_int_equal(mb.len, sizeof(want) - 1);
  assert_memory_equal(mb.buf, want, mb.len);
  mbuf_free(&mb);
}

static void test_basic_auth_header_null_pass_encodes_user_only(void **state) {
  static const char want[] = "Authorization: Basic dG9rZW4=\r\n";
  static const char want_empty[] = "Authorization: Basic dG9rZW46\r\n";
  struct mbuf mb;
  (void) state;
  mbuf_init(&mb, 0);
  mg_basic_auth_header(mg_mk_str("token"), mg_mk_str(NULL), &mb);
  assert_int_equal(mb.len, sizeof(want) - 1);
  assert_memory_equal(mb.buf, want, mb.len);
  mbuf_free(&mb);
  mg_basic_auth_header(mg_mk_str("token"), mg_mk_str(""), &mb);  // "token:"
  assert_int_equal(mb.len, sizeof(want_empty) - 1);
  assert_memory_equal(mb.buf, want_empty, mb.len);
  mbuf_free(&mb);
}

static void test_url_decode_decodes_escapes_and_plus(void **state) {
  char out[32];
  (void) state;
  assert_int_equal(mg_url_decode("a%20b+c%2Fd%2f", 14, out, sizeof(out), 0), 8);
  assert_string_equal(out, "a b+c/d/");
  assert_int_equal(mg_url_decode("a+b", 3, out, sizeof(out), 1), 3);
  assert_string_equal(out, "a b");
  assert_int_equal(mg_url_decode("", 0, out, sizeof(out), 1), 0);
  assert_string_equal(out, "");
}

static void test_url_decode_keeps_decoded_nul(void **state) {
  char out[8];
  (void) state;
  assert_int_equal(mg_url_decode("x%00y", 5, out, sizeof(out), 0), 3);
  assert_memory_equal(out, "x\0y", 4);
}

static void test_url_decode_rejects_truncated_escape(void **state) {
  char out[32];
  (void) state;
  assert_int_equal(mg_url_decode("abc%", 4, out, sizeof(out), 0), -1);
  assert_int_equal(mg_url_decode("abc%4", 5, out, sizeof(out), 0), -1);
  // The escape is cut by src_len, though the bytes follow in memory.
  assert_int_equal(mg_url_decode("abc%41", 5, out, sizeof(out), 0), -1);
  assert_int_equal(mg_url_decode("abc%41", 6, out, sizeof(out), 0), 4);
  assert_string_equal(out, "abcA");
}

static void test_url_decode_rejects_bad_hex(void **state) {
  char out[32];
  (void) state;
  assert_int_equal(mg_url_decode("%zz", 3, out, sizeof(out), 0), -1);
  assert_int_equal(mg_url_decode("%4g", 3, out, sizeof(out), 0), -1);
  assert_int_equal(mg_url_decode("%-1", 3, out, sizeof(out), 0), -1);
}

static void test_url_decode_rejects_too_small_dst(void **state) {
  char out[8];
  (void) state;
  memset(out, 'X', sizeof(out));
  assert_int_equal(mg_url_decode("abcd", 4, out, 4, 0), -1);
  assert_int_equal(out[3], '\0');  // Still terminated within dst_len.
  assert_int_equal(out[4], 'X');
  assert_int_equal(mg_url_decode("abcd", 4, out, 5, 0), 4);
  assert_string_equal(out, "abcd");
  assert_int_equal(mg_url_decode("a", 1, out, 0, 0), -1);
  assert_int_equal(mg_url_decode("a", -1, out, sizeof(out), 0), -1);
}

static void test_url_encode_keeps_default_safe_bytes(void **state) {
  struct mg_str e = mg_url_encode(mg_mk_str("/a b/c.d_e-f~$,;()?&=#"));
  (void) state;
  assert_non_null(e.p);
  assert_string_equal(e.p, "/a%20b/c.d_e-f~$,;()%3f%26%3d%23");
  assert_int_equal(e.len, strlen(e.p));
  mg_strfree(&e);
}

static void test_url_encode_escapes_high_and_control_bytes(void **state) {
  struct mg_str e =
      mg_url_encode(mg_mk_str_n("\x00\x7f\xff"
                                "A",
                                4));
  (void) state;
  assert_slice(e, "%00%7f%ffA");
  mg_strfree(&e);
}

static void test_url_encode_opt_flags_and_custom_safe_set(void **state) {
  unsigned int f =
      MG_URL_ENCODE_F_SPACE_AS_PLUS | MG_URL_ENCODE_F_UPPERCASE_HEX;
  struct mg_str e = mg_url_encode_opt(mg_mk_str("a b/c:d"), mg_mk_str(":"), f);
  (void) state;
  // '/' is not in the given safe set, so it is escaped.
  assert_string_equal(e.p, "a+b%2Fc:d");
  mg_strfree(&e);
  e = mg_url_encode_opt(mg_mk_str(""), mg_mk_str(""), 0);
  assert_non_null(e.p);
  assert_int_equal(e.len, 0);
  assert_string_equal(e.p, "");
  mg_strfree(&e);
}

static union socket_address make_v4(const char *ip, int port) {
  union socket_address sa;
  memset(&sa, 0, sizeof(sa));
  sa.sin.sin_family = AF_INET;
  sa.sin.sin_port = htons((uint16_t) port);
  assert_int_equal(inet_pton(AF_INET, ip, &sa.sin.sin_addr), 1);
  return sa;
}

static union socket_address make_v6(const char *ip, int port) {
  union socket_address sa;
  memset(&sa, 0, sizeof(sa));
  sa.sin6.sin6_family = AF_INET6;
  sa.sin6.sin6_port = htons((uint16_t) port);
  assert_int_equal(inet_pton(AF_INET6, ip, &sa.sin6.sin6_addr), 1);
  return sa;
}

static void test_sock_addr_to_str_ipv4_per_flags(void **state) {
  union socket_address sa = make_v4("192.168.1.20", 8080);
  char buf[64];
  (void) state;
  assert_int_equal(
      mg_sock_addr_to_str(&sa, buf, sizeof(buf), MG_SOCK_STRINGIFY_IP), 12);
  assert_string_equal(buf, "192.168.1.20");
  mg_sock_addr_to_str(&sa, buf, sizeof(buf),
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  assert_string_equal(buf, "192.168.1.20:8080");
  assert_int_equal(
      mg_sock_addr_to_str(&sa, buf, sizeof(buf), MG_SOCK_STRINGIFY_PORT), 4);
  assert_string_equal(buf, "8080");
  assert_int_equal(mg_sock_addr_to_str(&sa, buf, sizeof(buf), 0), 0);
  assert_string_equal(buf, "");
}

static void test_sock_addr_to_str_ipv6_brackets_with_port(void **state) {
  union socket_address sa = make_v6("::1", 80);
  char buf[64];
  (void) state;
  mg_sock_addr_to_str(&sa, buf, sizeof(buf), MG_SOCK_STRINGIFY_IP);
  assert_string_equal(buf, "::1");
  assert_int_equal(
      mg_sock_addr_to_str(&sa, buf, sizeof(buf),
                          MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT),
      8);
  assert_string_equal(buf, "[::1]:80");
  mg_sock_addr_to_str(&sa, buf, sizeof(buf), MG_SOCK_STRINGIFY_PORT);
  assert_string_equal(buf, "80");
}

static void test_sock_addr_to_str_truncates_to_buffer(void **state) {
  union socket_address sa = make_v4("10.0.0.1", 65535);
  char buf[8];
  (void) state;
  memset(buf, 'X', sizeof(buf));
  assert_int_equal(
      mg_sock_addr_to_str(&sa, buf, 6,
                          MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT),
      5);
  assert_string_equal(buf, "10.0.");
  assert_int_equal(buf[6], 'X');
  assert_int_equal(mg_sock_addr_to_str(&sa, buf, 0, MG_SOCK_STRINGIFY_IP), 0);
  assert_int_equal(mg_sock_addr_to_str(&sa, NULL, 8, MG_SOCK_STRINGIFY_IP), 0);
}

static void test_sock_addr_to_str_unknown_family_is_empty(void **state) {
  union socket_address sa;
  char buf[16];
  (void) state;
  memset(&sa, 0, sizeof(sa));
  sa.sa.sa_family = AF_UNIX;
  assert_int_equal(
      mg_sock_addr_to_str(&sa, buf, sizeof(buf), MG_SOCK_STRINGIFY_IP), 0);
  assert_string_equal(buf, "");
}

#define IP(a, b, c, d) \
  (((uint32_t) (a) << 24) | ((uint32_t) (b) << 16) | ((c) << 8) | (d))

static void test_check_ip_acl_empty_allows_everything(void **state) {
  (void) state;
  assert_int_equal(mg_check_ip_acl(NULL, IP(1, 2, 3, 4)), 1);
  assert_int_equal(mg_check_ip_acl("", IP(1, 2, 3, 4)), 1);
}

static void test_check_ip_acl_denies_what_matches_nothing(void **state) {
  const char *acl = "+192.168.0.0/16";
  (void) state;
  assert_int_equal(mg_check_ip_acl(acl, IP(192, 168, 77, 1)), 1);
  assert_int_equal(mg_check_ip_acl(acl, IP(192, 169, 0, 1)), 0);
  assert_int_equal(mg_check_ip_acl("-10.0.0.1", IP(10, 0, 0, 2)), 0);
}

static void test_check_ip_acl_last_matching_entry_wins(void **state) {
  const char *acl = "-0.0.0.0/0,+10.0.0.0/8,-10.1.0.0/16";
  (void) state;
  assert_int_equal(mg_check_ip_acl(acl, IP(8, 8, 8, 8)), 0);
  assert_int_equal(mg_check_ip_acl(acl, IP(10, 2, 3, 4)), 1);
  assert_int_equal(mg_check_ip_acl(acl, IP(10, 1, 3, 4)), 0);
  assert_int_equal(mg_check_ip_acl("+0.0.0.0/0", IP(255, 255, 255, 255)), 1);
}

static void test_check_ip_acl_single_host_and_prefix_bounds(void **state) {
  (void) state;
  assert_int_equal(mg_check_ip_acl("+1.2.3.4", IP(1, 2, 3, 4)), 1);
  assert_int_equal(mg_check_ip_acl("+1.2.3.4/32", IP(1, 2, 3, 5)), 0);
  assert_int_equal(mg_check_ip_acl("+1.2.3.4/31", IP(1, 2, 3, 5)), 1);
  // Host bits in the network part are ignored.
  assert_int_equal(mg_check_ip_acl("+1.2.3.4/24", IP(1, 2, 3, 200)), 1);
  assert_int_equal(mg_check_ip_acl(" +1.2.3.4 , -5.6.7.8", IP(1, 2, 3, 4)), 1);
}

static void test_check_ip_acl_malformed_returns_minus_one(void **state) {
  static const char *bad[] = {
      "1.2.3.4",    "*1.2.3.4",    "+1.2.3",      "+1.2.3.4.5",
      "+256.0.0.1", "+1.2.3.4/33", "+1.2.3.4/",   "+1.2.3.4/-1",
      "+a.b.c.d",   "+",           ",+1.2.3.4",   "+1.2.3.4,-x",
      "+1..2.3",    "+1.2.3.4x",   "+0001.2.3.4", "+1.2.3.4/8/8",
  };
  size_t i;
  (void) state;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    if (mg_check_ip_acl(bad[i], IP(1, 2, 3, 4)) != -1) fail_msg("%s", bad[i]);
  }
}

static void test_hexdump_formats_one_line(void **state) {
  static const char want[] =
      "0000  61 62 00 7f 41"
      "                                 "  // 11 absent bytes, 3 columns each
      "  ab..A\n";
  char buf[128];
  (void) state;
  assert_int_equal(mg_hexdump("ab\x00\x7f"
                              "A",
                              5, buf, sizeof(buf)),
                   sizeof(want) - 1);
  assert_string_equal(buf, want);
}

static void test_hexdump_splits_into_lines_of_sixteen(void **state) {
  char src[20], buf[256];
  const char *second;
  int i, n;
  (void) state;
  for (i = 0; i < 20; i++) src[i] = (char) ('a' + i);
  n = mg_hexdump(src, 20, buf, sizeof(buf));
  assert_int_equal(n, strlen(buf));
  assert_memory_equal(buf, "0000  61 62 63", 14);
  assert_non_null(strstr(buf, "  abcdefghijklmnop\n"));
  second = strchr(buf, '\n') + 1;
  assert_memory_equal(second, "0010  71 72 73 74 ", 18);
  assert_non_null(strstr(second, "  qrst\n"));
  assert_int_equal(strlen(second), strlen(buf) - (size_t) (second - buf));
  assert_int_equal(second - buf, 72);  // Fixed-width lines.
  assert_int_equal(n, 72 + 60);  // The short line has no padding after ASCII.
}

static void test_hexdump_never_overflows_dst(void **state) {
  char src[64], buf[128];
  int dst_len, n;
  (void) state;
  memset(src, 'x', sizeof(src));
  for (dst_len = 1; dst_len < 100; dst_len++) {
    memset(buf, '#', sizeof(buf));
    n = mg_hexdump(src, (int) sizeof(src), buf, dst_len);
    assert_int_equal(n, dst_len - 1);  // The dump is longer than dst.
    assert_int_equal(buf[n], '\0');
    assert_int_equal(buf[dst_len], '#');
  }
  buf[0] = '#';
  assert_int_equal(mg_hexdump(src, 4, buf, 0), 0);
  assert_int_equal(buf[0], '#');
}

static void test_hexdump_of_nothing_is_empty(void **state) {
  char buf[16] = "junk";
  (void) state;
  assert_int_equal(mg_hexdump("", 0, buf, sizeof(buf)), 0);
  assert_string_equal(buf, "");
}

static void test_hexdumpf_writes_same_text_as_hexdump(void **state) {
  char src[40], want[512], got[512];
  FILE *fp = tmpfile();
  size_t n;
  int i;
  (void) state;
  assert_non_null(fp);
  for (i = 0; i < 40; i++) src[i] = (char) (i * 7);
  mg_hexdump(src, 40, want, sizeof(want));
  mg_hexdumpf(fp, src, 40);
  rewind(fp);
  n = fread(got, 1, sizeof(got) - 1, fp);
  got[n] = '\0';
  fclose(fp);
  assert_string_equal(got, want);
}

static void test_is_big_endian_matches_byte_order(void **state) {
  uint32_t probe = 1;
  (void) state;
  assert_int_equal(mg_is_big_endian(), *(unsigned char *) &probe == 0);
  assert_int_equal(mg_is_big_endian(), htonl(1) == 1);
}

static void test_file_wrappers_write_read_and_stat(void **state) {
  char path[64], buf[16];
  cs_stat_t st;
  FILE *fp;
  int fd;
  (void) state;
  snprintf(path, sizeof(path), "/tmp/mg_test_util_%d", (int) getpid());
  assert_non_null(fp = mg_fopen(path, "wb"));
  assert_int_equal(mg_fwrite("hello", 1, 5, fp), 5);
  fclose(fp);
  assert_int_equal(mg_stat(path, &st), 0);
  assert_int_equal(st.st_size, 5);
  assert_non_null(fp = mg_fopen(path, "rb"));
  assert_int_equal(mg_fread(buf, 1, sizeof(buf), fp), 5);
  assert_memory_equal(buf, "hello", 5);
  fclose(fp);
  fd = mg_open(path, O_RDONLY, 0);
  assert_true(fd >= 0);
  close(fd);
  unlink(path);
  assert_int_equal(mg_stat(path, &st), -1);
  assert_null(mg_fopen(path, "rb"));
  assert_int_equal(mg_open(path, O_RDONLY, 0), -1);
}

static pthread_mutex_t thread_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t thread_cv = PTHREAD_COND_INITIALIZER;
static int thread_value;

static void *thread_set_value(void *param) {
  pthread_mutex_lock(&thread_mu);
  thread_value = *(int *) param;
  pthread_cond_signal(&thread_cv);
  pthread_mutex_unlock(&thread_mu);
  return NULL;
}

// Returns the number of threads of this process (Linux /proc).
static int process_threads(void) {
  char line[128];
  int n = -1;
  FILE *fp = fopen("/proc/self/status", "r");
  if (fp == NULL) return 1;
  while (fgets(line, sizeof(line), fp) != NULL) {
    if (strncmp(line, "Threads:", 8) == 0) n = atoi(line + 8);
  }
  fclose(fp);
  return n;
}

static void test_start_thread_runs_function_with_param(void **state) {
  static int param = 42;
  int base = process_threads();  // qemu-user has threads of its own
  (void) state;
  assert_non_null(mg_start_thread(thread_set_value, &param));
  pthread_mutex_lock(&thread_mu);
  while (thread_value == 0) pthread_cond_wait(&thread_cv, &thread_mu);
  pthread_mutex_unlock(&thread_mu);
  assert_int_equal(thread_value, 42);
  // The thread is detached: wait (bounded) until it has really exited, so
  // that its stack and TLS are released before the process ends.
  {
    int i;
    for (i = 0; i < 5000 && process_threads() > base; i++) poll(NULL, 0, 1);
    assert_int_equal(process_threads(), base);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_time_follows_wall_clock),
      cmocka_unit_test(test_skip_splits_token_and_skips_delimiters),
      cmocka_unit_test(test_skip_stops_at_end_string),
      cmocka_unit_test(test_skip_with_several_delimiters),
      cmocka_unit_test(test_base64_rfc4648_vectors),
      cmocka_unit_test(test_base64_decode_rfc4648_vectors),
      cmocka_unit_test(test_base64_round_trips_every_byte_value),
      cmocka_unit_test(test_base64_decode_stops_at_invalid_byte),
      cmocka_unit_test(test_base64_decode_stops_after_padding),
      cmocka_unit_test(test_base64_decode_rejects_misplaced_padding),
      cmocka_unit_test(test_base64_decode_ignores_incomplete_quantum),
      cmocka_unit_test(test_mbuf_append_base64_matches_encoder),
      cmocka_unit_test(test_mbuf_append_base64_putc_appends_one_byte),
      cmocka_unit_test(test_basic_auth_header_encodes_user_colon_pass),
      cmocka_unit_test(test_basic_auth_header_null_pass_encodes_user_only),
      cmocka_unit_test(test_url_decode_decodes_escapes_and_plus),
      cmocka_unit_test(test_url_decode_keeps_decoded_nul),
      cmocka_unit_test(test_url_decode_rejects_truncated_escape),
      cmocka_unit_test(test_url_decode_rejects_bad_hex),
      cmocka_unit_test(test_url_decode_rejects_too_small_dst),
      cmocka_unit_test(test_url_encode_keeps_default_safe_bytes),
      cmocka_unit_test(test_url_encode_escapes_high_and_control_bytes),
      cmocka_unit_test(test_url_encode_opt_flags_and_custom_safe_set),
      cmocka_unit_test(test_sock_addr_to_str_ipv4_per_flags),
      cmocka_unit_test(test_sock_addr_to_str_ipv6_brackets_with_port),
      cmocka_unit_test(test_sock_addr_to_str_truncates_to_buffer),
      cmocka_unit_test(test_sock_addr_to_str_unknown_family_is_empty),
      cmocka_unit_test(test_check_ip_acl_empty_allows_everything),
      cmocka_unit_test(test_check_ip_acl_denies_what_matches_nothing),
      cmocka_unit_test(test_check_ip_acl_last_matching_entry_wins),
      cmocka_unit_test(test_check_ip_acl_single_host_and_prefix_bounds),
      cmocka_unit_test(test_check_ip_acl_malformed_returns_minus_one),
      cmocka_unit_test(test_hexdump_formats_one_line),
      cmocka_unit_test(test_hexdump_splits_into_lines_of_sixteen),
      cmocka_unit_test(test_hexdump_never_overflows_dst),
      cmocka_unit_test(test_hexdump_of_nothing_is_empty),
      cmocka_unit_test(test_hexdumpf_writes_same_text_as_hexdump),
      cmocka_unit_test(test_is_big_endian_matches_byte_order),
      cmocka_unit_test(test_file_wrappers_write_read_and_stat),
      cmocka_unit_test(test_start_thread_runs_function_with_param),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
