// Unit tests for the Mongoose 6.x names a program takes from mongoose.h
// (src/compat.h, src/config.h, src/arch.h): the version, the switches, the
// platform names, the BSD list macros and the cs_/c_ helpers, checked
// against 6.18's values and the RFC 1321, 3174, 2202 and 4648 vectors.
// mongoose.h comes first, as in a 6.x program, so its system headers and
// feature macros are the ones in effect.
#include "mongoose.h"

#include <setjmp.h>

#include <cmocka.h>

// ---- Version and main iface -------------------------------------------------

static void test_version_reads_as_6_18_to_6x_checks(void **state) {
  int major = 0, minor = 0;
  (void) state;
  assert_int_equal(strncmp(MG_VERSION, "6.18", 4), 0);
  assert_int_equal(MG_VERSION[4], '+');  // Then our own release.
  assert_string_equal(MG_VERSION + 5, MG_IMPL_VERSION);
  assert_string_equal(MG_API_VERSION, "6.18");
  assert_int_equal(sscanf(MG_VERSION, "%d.%d", &major, &minor), 2);
  assert_int_equal(major, 6);
  assert_int_equal(minor, 18);
  assert_true(atof(MG_VERSION) == atof("6.18"));
  assert_true(strcmp(MG_VERSION, "6.18") > 0);  // At least 6.18...
  assert_true(strcmp(MG_VERSION, "6.19") < 0);  // ...and below 6.19.
}

static void test_main_iface_index_names_the_default_iface(void **state) {
  (void) state;
  assert_int_equal(MG_MAIN_IFACE, 0);
  assert_true(mg_ifaces[MG_MAIN_IFACE] == &mg_default_iface_vtable);
  assert_true(mg_ifaces[MG_MAIN_IFACE] == &MG_DEFAULT_IFACE);
  assert_string_equal(CS_STRINGIFY_MACRO(MG_MAIN_IFACE), "0");
  assert_string_equal(CS_STRINGIFY_LIT(a, b), "a, b");
}

// ---- Switches ---------------------------------------------------------------

static void test_switches_of_built_features_are_1(void **state) {
  (void) state;
#if !MG_ENABLE_HTTP_WEBSOCKET || !MG_ENABLE_HTTP_URL_REWRITES
  fail_msg("WebSocket and url_rewrites are built with HTTP");
#endif
#if !MG_ENABLE_SYNC_RESOLVER || !MG_ENABLE_GETADDRINFO
  fail_msg("mg_resolve() (getaddrinfo) is built");
#endif
#if !MG_ENABLE_STDIO || !MG_ENABLE_EXTRA_ERRORS_DESC || !MG_ENABLE_DEBUG
  fail_msg("stdio, reason phrases and debug logs are built");
#endif
  assert_int_equal(MG_ENABLE_HTTP, 1);
  assert_int_equal(MG_ENABLE_HTTP_WEBSOCKET, 1);
  assert_int_equal(MG_ENABLE_HTTP_URL_REWRITES, 1);
  assert_int_equal(MG_ENABLE_SYNC_RESOLVER, 1);
  assert_int_equal(MG_ENABLE_GETADDRINFO, 1);
  assert_int_equal(MG_ENABLE_STDIO, 1);
  assert_int_equal(MG_ENABLE_EXTRA_ERRORS_DESC, 1);
  assert_int_equal(MG_ENABLE_DEBUG, MG_ENABLE_LOG);
  assert_int_equal(CS_ENABLE_STDIO, 1);
  // What they promise is there: 6.18 declares these under the switches.
  assert_non_null(&mg_send_websocket_frame);
  assert_non_null(&mg_http_reverse_proxy);
  assert_non_null(&mg_resolve);
  assert_int_equal(MG_ENABLE_SNTP, 1);
  assert_non_null(&mg_sntp_get_time);
  // DNS: the codec and the server.
  assert_int_equal(MG_ENABLE_DNS + MG_ENABLE_DNS_SERVER, 2);
  assert_non_null(&mg_parse_dns);
  assert_non_null(&mg_dns_send_reply);
  assert_int_equal(MG_ENABLE_ASYNC_RESOLVER, 1);
  assert_non_null(&mg_resolve_async_opt);
}

static void test_switches_of_features_not_built_are_0(void **state) {
  (void) state;
#if MG_ENABLE_COAP || MG_ENABLE_SOCKS
  fail_msg("CoAP and SOCKS are not built");
#endif
  // Built and on by default: MQTT and its broker.
  assert_int_equal(MG_ENABLE_MQTT + MG_ENABLE_MQTT_BROKER, 2);
  assert_int_equal(MG_ENABLE_COAP + MG_ENABLE_SOCKS, 0);
  // TLS is off unless the build turns it on (make test SSL=...).
#if defined(MG_SSL_IF) && MG_ENABLE_SSL
  assert_true(MG_SSL_IF == MG_SSL_IF_OPENSSL || MG_SSL_IF == MG_SSL_IF_MBEDTLS);
#else
  assert_int_equal(MG_ENABLE_SSL, 0);
#endif
  // SSI is on, as in 6.x; its "exec" is off.
  assert_int_equal(MG_ENABLE_HTTP_SSI, 1);
  assert_int_equal(MG_ENABLE_HTTP_SSI_EXEC, 0);
  // CGI and WebDAV are built and off by default, as in 6.x (test_http_cgi
  // and test_http_dav turn them on); FAKE_DAVLOCK is accepted and ignored
  // (real locks are built).
  assert_int_equal(MG_ENABLE_HTTP_CGI, 0);
  assert_int_equal(MG_ENABLE_HTTP_WEBDAV, 0);
  assert_int_equal(MG_ENABLE_FAKE_DAVLOCK, 0);
  // The default callback mode; 1 is built too (test/compat).
  assert_int_equal(MG_ENABLE_CALLBACK_USERDATA, 0);
}

static int s_ud_calls;
static void ud_handler(struct mg_connection *nc, int ev,
                       void *ev_data MG_UD_ARG(void *user_data)) {
  (void) nc;
  (void) ev_data;
  s_ud_calls += ev;
}

// In the default mode MG_UD_ARG() drops the argument and MG_CB() the
// user_data (test/compat builds the other mode).
static void test_user_data_macros_drop_the_argument(void **state) {
  mg_event_handler_t h = MG_CB(ud_handler, NULL);
  (void) state;
  h(NULL, 3, NULL);
  assert_int_equal(s_ud_calls, 3);
}

// ---- Platform names ---------------------------------------------------------

static void test_platform_numbers_are_6_18s(void **state) {
  (void) state;
#if CS_PLATFORM != CS_P_UNIX || MG_NET_IF != MG_NET_IF_SOCKET
  fail_msg("POSIX with BSD sockets is the platform built");
#endif
  assert_int_equal(CS_P_CUSTOM, 0);
  assert_int_equal(CS_P_UNIX, 1);
  assert_int_equal(CS_P_WINDOWS, 2);
  assert_int_equal(CS_P_ESP8266, 3);
  assert_int_equal(CS_P_CC3200, 4);
  assert_int_equal(CS_P_MSP432, 5);
  assert_int_equal(CS_P_CC3100, 6);
  assert_int_equal(CS_P_MBED, 7);
  assert_int_equal(CS_P_WINCE, 8);
  assert_int_equal(CS_P_NXP_KINETIS, 9);
  assert_int_equal(CS_P_NRF52, 10);
  assert_int_equal(CS_P_PIC32, 11);
  assert_int_equal(CS_P_NRF51, 12);
  assert_int_equal(CS_P_NXP_LPC, 13);
  assert_int_equal(CS_P_TM4C129, 14);
  assert_int_equal(CS_P_ESP32, 15);
  assert_int_equal(CS_P_STM32, 16);
  assert_int_equal(CS_P_CC3220, 17);
  assert_int_equal(CS_P_RS14100, 18);
  assert_int_equal(CS_PLATFORM, CS_P_UNIX);
  assert_int_equal(MG_NET_IF_SOCKET, 1);
  assert_int_equal(MG_NET_IF_SIMPLELINK, 2);
  assert_int_equal(MG_NET_IF_LWIP_LOW_LEVEL, 3);
  assert_int_equal(MG_NET_IF_PIC32, 4);
  assert_int_equal(MG_NET_IF_NULL, 5);
  assert_int_equal(MG_NET_IF, MG_NET_IF_SOCKET);
  assert_int_equal(MG_SSL_IF_OPENSSL, 1);
  assert_int_equal(MG_SSL_IF_MBEDTLS, 2);
  assert_int_equal(MG_SSL_IF_SIMPLELINK, 3);
#if !MG_ENABLE_SSL || MG_SSL_IF == MG_SSL_IF_OPENSSL
  assert_int_equal(MG_SSL_IF, MG_SSL_IF_OPENSSL);  // The default backend
#endif
}

static void test_format_macros_print_64_bit_and_size_values(void **state) {
  char buf[64];
  (void) state;
  snprintf(buf, sizeof(buf), "%" INT64_FMT, (int64_t) -1234567890123LL);
  assert_string_equal(buf, "-1234567890123");
  snprintf(buf, sizeof(buf), "%" INT64_FMT, (int64_t) INT64_MAX);
  assert_string_equal(buf, "9223372036854775807");
  snprintf(buf, sizeof(buf), "%" INT64_X_FMT, (int64_t) 0xdeadbeefcafeLL);
  assert_string_equal(buf, "deadbeefcafe");
  // The largest size_t: 64-bit or 32-bit (the cross builds).
  snprintf(buf, sizeof(buf), "%" SIZE_T_FMT, (size_t) -1);
  assert_string_equal(buf, sizeof(size_t) == 8 ? "18446744073709551615"
                                               : "4294967295");
  snprintf(buf, sizeof(buf), "[%" PRIu64 "]", (uint64_t) 7);  // <inttypes.h>
  assert_string_equal(buf, "[7]");
}

static void test_to64_parses_decimal_int64(void **state) {
  (void) state;
  assert_true(to64("9000000000") == 9000000000LL);
  assert_true(to64("-42xyz") == -42);
  assert_true(to64("9223372036854775807") == INT64_MAX);
  assert_true(to64("junk") == 0);
}

static void test_dirsep_array_size_and_path_limit(void **state) {
  int seven[7];
  const char *names[] = {"a", "b", "c"};
  (void) state;
  (void) seven;
  assert_int_equal(DIRSEP, '/');
  assert_int_equal(ARRAY_SIZE(seven), 7);
  assert_int_equal(ARRAY_SIZE(names), 3);
  assert_int_equal(MG_MAX_PATH, PATH_MAX);
  assert_int_equal(MAXPATHLEN, PATH_MAX);  // <sys/param.h>
  assert_int_equal(INVALID_SOCKET, -1);
}

static void test_closesocket_closes_the_descriptor(void **state) {
  int fds[2];
  (void) state;
  assert_int_equal(pipe(fds), 0);
  assert_int_equal(closesocket(fds[0]), 0);
  assert_int_equal(closesocket(fds[1]), 0);
  errno = 0;
  assert_int_equal(fcntl(fds[0], F_GETFD), -1);
  assert_int_equal(errno, EBADF);
}

// The attributes compile where 6.x programs put them.
WEAK int compat_weak_answer(void);
WEAK int compat_weak_answer(void) {
  return 42;
}
NORETURN void compat_exit_now(int code);
void compat_exit_now(int code) {
  exit(code);
}
static NOINLINE NOINSTR WARN_UNUSED_RESULT int compat_twice(int x) {
  return 2 * x;
}
static int s_never_used DO_NOT_WARN_UNUSED;

static int compat_format(char *buf, size_t len, const char *fmt, ...)
    PRINTF_LIKE(3, 4);
static int compat_format(char *buf, size_t len, const char *fmt, ...) {
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = c_vsnprintf(buf, len, fmt, ap);
  va_end(ap);
  return n;
}

static void test_attributes_and_system_headers_are_usable(void **state) {
  bool yes = true;  // <stdbool.h>
  char buf[8];
  (void) state;
  assert(yes);  // <assert.h>
  assert_int_equal(compat_weak_answer(), 42);
  assert_int_equal(compat_twice(21), 42);
  assert_int_equal(MIN(3, 4) + MAX(3, 4), 7);  // <sys/param.h>
  assert_true(isnan(NAN) && HUGE_VAL > 0);     // <math.h>
  assert_int_equal(compat_format(buf, sizeof(buf), "%d-%s", 12, "abcdef"), 9);
  assert_string_equal(buf, "12-abcd");  // Truncated, still terminated.
  assert_int_equal(c_snprintf(NULL, 0, "%05u", 7u), 5);
  assert_int_equal(c_snprintf(buf, sizeof(buf), "%x", 255u), 2);
  assert_string_equal(buf, "ff");
}

// ---- BSD list macros --------------------------------------------------------

struct item {
  int v;
  SLIST_ENTRY(item) s_link;
  STAILQ_ENTRY(item) q_link;
  LIST_ENTRY(item) l_link;
  TAILQ_ENTRY(item) t_link;
};

static void test_slist_and_stailq_build_in_order(void **state) {
  SLIST_HEAD(item_slist, item) s = SLIST_HEAD_INITIALIZER(s);
  STAILQ_HEAD(item_stailq, item) q = STAILQ_HEAD_INITIALIZER(q);
  struct item it[3], *p, *tmp;
  int i, order = 0;
  (void) state;
  for (i = 0; i < 3; i++) {
    it[i].v = i + 1;
    SLIST_INSERT_HEAD(&s, &it[i], s_link);   // 3 2 1
    STAILQ_INSERT_TAIL(&q, &it[i], q_link);  // 1 2 3
  }
  SLIST_FOREACH(p, &s, s_link) order = order * 10 + p->v;
  assert_int_equal(order, 321);
  SLIST_REMOVE(&s, &it[1], item, s_link);
  order = 0;
  SLIST_FOREACH_SAFE(p, &s, s_link, tmp) {
    order = order * 10 + p->v;
    p->s_link.sle_next = NULL;  // Unlinking p keeps the walk going.
  }
  assert_int_equal(order, 31);
  order = 0;
  STAILQ_FOREACH(p, &q, q_link) order = order * 10 + p->v;
  assert_int_equal(order, 123);
  STAILQ_REMOVE_HEAD(&q, q_link);
  assert_int_equal(STAILQ_FIRST(&q)->v, 2);
  order = 0;
  STAILQ_FOREACH_SAFE(p, &q, q_link, tmp) order = order * 10 + p->v;
  assert_int_equal(order, 23);
}

static void test_list_and_tailq_remove_while_iterating(void **state) {
  LIST_HEAD(item_list, item) l = LIST_HEAD_INITIALIZER(l);
  TAILQ_HEAD(item_tailq, item) t = TAILQ_HEAD_INITIALIZER(t);
  struct item it[4], *p, *tmp;
  int i, order = 0;
  (void) state;
  for (i = 0; i < 4; i++) {
    it[i].v = i + 1;
    LIST_INSERT_HEAD(&l, &it[i], l_link);   // 4 3 2 1
    TAILQ_INSERT_TAIL(&t, &it[i], t_link);  // 1 2 3 4
  }
  LIST_REMOVE(&it[2], l_link);
  LIST_FOREACH(p, &l, l_link) order = order * 10 + p->v;
  assert_int_equal(order, 421);
  LIST_FOREACH_SAFE(p, &l, l_link, tmp) LIST_REMOVE(p, l_link);
  assert_true(LIST_EMPTY(&l));
  assert_int_equal(TAILQ_LAST(&t, item_tailq)->v, 4);
  order = 0;
  TAILQ_FOREACH_REVERSE(p, &t, item_tailq, t_link) order = order * 10 + p->v;
  assert_int_equal(order, 4321);
  TAILQ_FOREACH_SAFE(p, &t, t_link, tmp) {
    if (p->v % 2 == 0) TAILQ_REMOVE(&t, p, t_link);
  }
  order = 0;
  TAILQ_FOREACH(p, &t, t_link) order = order * 10 + p->v;
  assert_int_equal(order, 13);
}

// ---- MD5, SHA-1, HMAC-SHA1 --------------------------------------------------

static const char *md5_hex(const char *msg, char out[33]) {
  cs_md5_ctx ctx;
  unsigned char d[16];
  cs_md5_init(&ctx);
  cs_md5_update(&ctx, (const unsigned char *) msg, strlen(msg));
  cs_md5_final(d, &ctx);
  cs_to_hex(out, d, sizeof(d));
  return out;
}

static void test_cs_md5_matches_rfc1321(void **state) {
  char hex[33];
  (void) state;
  assert_string_equal(md5_hex("", hex), "d41d8cd98f00b204e9800998ecf8427e");
  assert_string_equal(md5_hex("abc", hex), "900150983cd24fb0d6963f7d28e17f72");
  assert_string_equal(md5_hex("message digest", hex),
                      "f96b697d7cb7938d525a2f31aaf161d0");
  assert_string_equal(
      md5_hex("12345678901234567890123456789012345678901234567890123456789012"
              "345678901234567890",
              hex),
      "57edf4a22be3c955ac49da2e2107b67a");
  assert_int_equal(sizeof(cs_md5_ctx), sizeof(struct mg_md5_ctx));
}

static void test_cs_sha1_takes_uint32_lengths_rfc3174(void **state) {
  static const char *msg =
      "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  cs_sha1_ctx ctx;
  unsigned char d[20];
  char hex[41];
  uint32_t i, n = (uint32_t) strlen(msg);
  (void) state;
  cs_sha1_init(&ctx);
  cs_sha1_update(&ctx, (const unsigned char *) "abc", (uint32_t) 3);
  cs_sha1_final(d, &ctx);
  cs_to_hex(hex, d, sizeof(d));
  assert_string_equal(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
  cs_sha1_init(&ctx);
  for (i = 0; i < n; i += 5) {  // Uneven pieces hash as the whole.
    uint32_t len = n - i < 5 ? n - i : 5;
    cs_sha1_update(&ctx, (const unsigned char *) msg + i, len);
  }
  cs_sha1_final(d, &ctx);
  cs_to_hex(hex, d, sizeof(d));
  assert_string_equal(hex, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

static void test_cs_hmac_sha1_matches_rfc2202(void **state) {
  unsigned char key[20], d[20];
  char hex[41];
  const char *text = "what do ya want for nothing?";
  (void) state;
  memset(key, 0x0b, sizeof(key));
  cs_hmac_sha1(key, sizeof(key), (const unsigned char *) "Hi There", 8, d);
  cs_to_hex(hex, d, sizeof(d));
  assert_string_equal(hex, "b617318655057264e28bc0b6fb378c8ef146be00");
  cs_hmac_sha1((const unsigned char *) "Jefe", 4, (const unsigned char *) text,
               strlen(text), d);
  cs_to_hex(hex, d, sizeof(d));
  assert_string_equal(hex, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

// ---- Base64 -----------------------------------------------------------------

static const char *s_b64[][2] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

static void test_cs_base64_encode_matches_rfc4648(void **state) {
  char out[16];
  size_t i;
  (void) state;
  for (i = 0; i < ARRAY_SIZE(s_b64); i++) {
    const char *raw = s_b64[i][0];
    cs_base64_encode((const unsigned char *) raw, (int) strlen(raw), out);
    assert_string_equal(out, s_b64[i][1]);
  }
}

static void test_cs_base64_decode_reports_consumed_and_decoded(void **state) {
  char out[16];
  size_t i;
  int dec_len;
  (void) state;
  for (i = 0; i < ARRAY_SIZE(s_b64); i++) {
    const char *b64 = s_b64[i][1];
    int len = (int) strlen(b64);
    dec_len = -1;
    assert_int_equal(
        cs_base64_decode((const unsigned char *) b64, len, out, &dec_len), len);
    assert_int_equal(dec_len, (int) strlen(s_b64[i][0]));
    assert_memory_equal(out, s_b64[i][0], (size_t) dec_len + 1);
  }
  // A bad group stops decoding: 4 bytes consumed of 8, 3 decoded.
  assert_int_equal(
      cs_base64_decode((const unsigned char *) "Zm9v!!!!", 8, out, &dec_len),
      4);
  assert_int_equal(dec_len, 3);
  assert_string_equal(out, "foo");
  // Binary output with a NUL inside; dec_len may be NULL.
  assert_int_equal(
      cs_base64_decode((const unsigned char *) "AAE=", 4, out, &dec_len), 4);
  assert_int_equal(dec_len, 2);
  assert_memory_equal(out, "\0\1", 2);
  assert_int_equal(
      cs_base64_decode((const unsigned char *) "Zg==", 4, out, NULL), 4);
}

static void test_cs_base64_stream_equals_one_shot(void **state) {
  struct cs_base64_ctx ctx;
  struct mbuf mb;
  size_t k, step, i, n;
  (void) state;
  for (k = 0; k < ARRAY_SIZE(s_b64); k++) {
    const char *raw = s_b64[k][0], *want = s_b64[k][1];
    n = strlen(raw);
    for (step = 1; step <= 4; step++) {  // Pieces of 1 to 4 bytes.
      mbuf_init(&mb, 0);
      cs_base64_init(&ctx, mg_mbuf_append_base64_putc, &mb);
      for (i = 0; i < n; i += step) {
        cs_base64_update(&ctx, raw + i, n - i < step ? n - i : step);
      }
      cs_base64_finish(&ctx);
      assert_int_equal(mb.len, strlen(want));
      if (mb.len > 0) assert_memory_equal(mb.buf, want, mb.len);
      mbuf_free(&mb);
    }
  }
}

static void test_cs_fprint_base64_writes_padded_base64(void **state) {
  FILE *fp = tmpfile();
  char buf[32];
  size_t n;
  (void) state;
  assert_non_null(fp);
  cs_fprint_base64(fp, (const unsigned char *) "foob", 4);
  cs_fprint_base64(fp, (const unsigned char *) "", 0);
  rewind(fp);
  n = fread(buf, 1, sizeof(buf) - 1, fp);
  buf[n] = '\0';
  assert_string_equal(buf, "Zm9vYg==");
  fclose(fp);
}

// ---- Time -------------------------------------------------------------------

static struct tm make_tm(int year, int mon, int mday, int h, int m, int s) {
  struct tm tm;
  memset(&tm, 0, sizeof(tm));
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = mday;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = s;
  return tm;
}

static void test_cs_timegm_of_known_dates(void **state) {
  struct tm tm;
  (void) state;
  tm = make_tm(1970, 1, 1, 0, 0, 0);
  assert_true(cs_timegm(&tm) == 0);
  tm = make_tm(2000, 1, 1, 0, 0, 0);
  assert_true(cs_timegm(&tm) == 946684800);
  tm = make_tm(2024, 2, 29, 12, 34, 56);  // A leap day.
  assert_true(cs_timegm(&tm) == 1709210096);
  tm = make_tm(2038, 1, 19, 3, 14, 8);  // Past 32-bit time_t.
  assert_true(cs_timegm(&tm) == 2147483648.0);
  tm = make_tm(2100, 3, 1, 0, 0, 0);  // 2100 is not a leap year.
  assert_true(cs_timegm(&tm) == 4107542400.0);
  tm = make_tm(2000, 0, 1, 0, 0, 0);  // Month -1: December 1999.
  assert_true(cs_timegm(&tm) == 944006400);
  tm = make_tm(1999, 13, 1, 0, 0, 0);  // Month 12: January 2000.
  assert_true(cs_timegm(&tm) == 946684800);
  tm = make_tm(1969, 12, 31, 23, 59, 59);  // Before the epoch: -1.
  assert_true(cs_timegm(&tm) == -1);
}

static void test_cs_timegm_inverts_gmtime(void **state) {
  time_t t;
  struct tm tm;
  (void) state;
  for (t = 0; t < (time_t) 4102444800; t += 7777777) {  // 1970 to 2100.
    assert_non_null(gmtime_r(&t, &tm));
    assert_true(cs_timegm(&tm) == (double) t);
  }
}

static void test_cs_time_is_the_wall_clock(void **state) {
  double now = cs_time();
  (void) state;
  assert_true(fabs(now - (double) time(NULL)) < 2.0);
}

// ---- Strings and hex --------------------------------------------------------

static void test_c_strnlen_stops_at_nul_or_limit(void **state) {
  (void) state;
  assert_int_equal(c_strnlen("abc", 10), 3);
  assert_int_equal(c_strnlen("abcdef", 4), 4);
  assert_int_equal(c_strnlen("", 5), 0);
  assert_int_equal(c_strnlen("abc", 0), 0);
}

static void test_c_strnstr_searches_only_slen_bytes(void **state) {
  const char *s = "hello world";
  const char nul[] = "ab\0cd";
  (void) state;
  assert_ptr_equal(c_strnstr(s, "world", 11), s + 6);  // Ends at the limit.
  assert_null(c_strnstr(s, "world", 10));              // Crosses the limit.
  assert_ptr_equal(c_strnstr(s, "hello", 5), s);
  assert_ptr_equal(c_strnstr(s, "o", 11), s + 4);  // The first one.
  assert_null(c_strnstr(s, "xyz", 11));
  assert_null(c_strnstr("ab", "abc", 2));    // Needle longer than slen.
  assert_ptr_equal(c_strnstr(s, "", 3), s);  // Empty needle: at s...
  assert_null(c_strnstr(s, "", 0));          // ...unless slen is 0 (as 6.18).
  assert_ptr_equal(c_strnstr(nul, "cd", 5), nul + 3);    // NUL is data.
  assert_ptr_equal(c_strnstr(nul, "b\0c", 5), nul + 1);  // find is "b".
}

static void test_cs_hex_round_trips_every_byte(void **state) {
  unsigned char raw[256];
  char hex[513], back[257];
  int i;
  (void) state;
  for (i = 0; i < 256; i++) raw[i] = (unsigned char) i;
  cs_to_hex(hex, raw, sizeof(raw));
  assert_int_equal(strlen(hex), 512);
  assert_memory_equal(hex, "000102", 6);
  assert_string_equal(hex + 500, "fafbfcfdfeff");
  cs_from_hex(back, hex, 512);
  assert_memory_equal(back, raw, 256);
  assert_int_equal(back[256], '\0');
}

static void test_cs_from_hex_takes_either_case_and_odd_lengths(void **state) {
  char out[8];
  (void) state;
  cs_from_hex(out, "DEADbeef", 8);
  assert_memory_equal(out, "\xde\xad\xbe\xef", 5);
  cs_from_hex(out, "414", 3);  // The odd digit is a high nibble.
  assert_memory_equal(out, "A@", 3);
  cs_from_hex(out, "zz41", 4);  // Not hex: 0.
  assert_memory_equal(out, "\0A", 3);
  cs_from_hex(out, "", 0);
  assert_int_equal(out[0], '\0');
  cs_to_hex(out, (const unsigned char *) "", 0);
  assert_string_equal(out, "");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_version_reads_as_6_18_to_6x_checks),
      cmocka_unit_test(test_main_iface_index_names_the_default_iface),
      cmocka_unit_test(test_switches_of_built_features_are_1),
      cmocka_unit_test(test_switches_of_features_not_built_are_0),
      cmocka_unit_test(test_user_data_macros_drop_the_argument),
      cmocka_unit_test(test_platform_numbers_are_6_18s),
      cmocka_unit_test(test_format_macros_print_64_bit_and_size_values),
      cmocka_unit_test(test_to64_parses_decimal_int64),
      cmocka_unit_test(test_dirsep_array_size_and_path_limit),
      cmocka_unit_test(test_closesocket_closes_the_descriptor),
      cmocka_unit_test(test_attributes_and_system_headers_are_usable),
      cmocka_unit_test(test_slist_and_stailq_build_in_order),
      cmocka_unit_test(test_list_and_tailq_remove_while_iterating),
      cmocka_unit_test(test_cs_md5_matches_rfc1321),
      cmocka_unit_test(test_cs_sha1_takes_uint32_lengths_rfc3174),
      cmocka_unit_test(test_cs_hmac_sha1_matches_rfc2202),
      cmocka_unit_test(test_cs_base64_encode_matches_rfc4648),
      cmocka_unit_test(test_cs_base64_decode_reports_consumed_and_decoded),
      cmocka_unit_test(test_cs_base64_stream_equals_one_shot),
      cmocka_unit_test(test_cs_fprint_base64_writes_padded_base64),
      cmocka_unit_test(test_cs_timegm_of_known_dates),
      cmocka_unit_test(test_cs_timegm_inverts_gmtime),
      cmocka_unit_test(test_cs_time_is_the_wall_clock),
      cmocka_unit_test(test_c_strnlen_stops_at_nul_or_limit),
      cmocka_unit_test(test_c_strnstr_searches_only_slen_bytes),
      cmocka_unit_test(test_cs_hex_round_trips_every_byte),
      cmocka_unit_test(test_cs_from_hex_takes_either_case_and_odd_lengths),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
