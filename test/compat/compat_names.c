// A 6.x-style program that uses the names 6.x programs take from
// mongoose.h: the version, the feature switches in #if, the platform
// macros, the BSD list macros and the cs_/c_ helpers, built as C and C++ in
// both callback modes.
#include "compat.h"

#if !defined(MG_VERSION) || !defined(MG_MAIN_IFACE) || !defined(CS_PLATFORM)
#error "6.x names missing"
#endif
#if CS_PLATFORM != CS_P_UNIX || MG_NET_IF != MG_NET_IF_SOCKET
#error "POSIX socket build expected"
#endif
#if !MG_ENABLE_HTTP_WEBSOCKET || !MG_ENABLE_MQTT
#error "switches do not say what is built"
#endif

struct item {
  int value;
  SLIST_ENTRY(item) link;
};
SLIST_HEAD(item_list, item);

static void test_version_and_main_iface(void **state) {
  struct mg_mgr mgr;
  (void) state;
  assert_int_equal(strncmp(MG_VERSION, "6.18", 4), 0);
  mg_mgr_init(&mgr, NULL);
  assert_non_null(mgr.ifaces[MG_MAIN_IFACE]);
  assert_ptr_equal(mgr.ifaces[MG_MAIN_IFACE]->vtable,
                   mg_ifaces[MG_MAIN_IFACE]);
  mg_mgr_free(&mgr);
}

static void test_platform_macros(void **state) {
  char buf[64];
  int64_t big = (int64_t) 1 << 40;
  static const int arr[] = {1, 2, 3};
  sock_t sp[2];
  (void) state;
  snprintf(buf, sizeof(buf), "%" INT64_FMT " %" INT64_X_FMT " %" SIZE_T_FMT,
           big, big, (size_t) 7);
  assert_string_equal(buf, "1099511627776 10000000000 7");
  assert_true(to64("1099511627776") == big);
  assert_int_equal(ARRAY_SIZE(arr), 3);
  assert_int_equal(DIRSEP, '/');
  assert_true(MG_MAX_PATH >= 256);
  assert_int_equal(mg_socketpair(sp, SOCK_STREAM), 1);
  assert_int_equal(closesocket(sp[0]), 0);
  assert_int_equal(closesocket(sp[1]), 0);
  assert_int_equal(INVALID_SOCKET, -1);
}

static void test_bsd_list_macros(void **state) {
  struct item_list head;
  struct item a, b, *it;
  int sum = 0;
  (void) state;
  SLIST_INIT(&head);
  a.value = 2;
  b.value = 40;
  SLIST_INSERT_HEAD(&head, &a, link);
  SLIST_INSERT_HEAD(&head, &b, link);
  SLIST_FOREACH(it, &head, link) sum += it->value;
  assert_int_equal(sum, 42);
}

static void test_cs_helpers(void **state) {
  cs_md5_ctx md5;
  cs_sha1_ctx sha1;
  unsigned char digest[20];
  char hex[41], b64[16], back[16];
  int dec_len = 0;
  (void) state;
  cs_md5_init(&md5);
  cs_md5_update(&md5, (const unsigned char *) "abc", 3);
  cs_md5_final(digest, &md5);
  cs_to_hex(hex, digest, 16);
  assert_string_equal(hex, "900150983cd24fb0d6963f7d28e17f72");  // RFC 1321
  cs_sha1_init(&sha1);
  cs_sha1_update(&sha1, (const unsigned char *) "abc", 3);
  cs_sha1_final(digest, &sha1);
  cs_to_hex(hex, digest, 20);
  assert_string_equal(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
  cs_base64_encode((const unsigned char *) "6.x!", 4, b64);
  assert_string_equal(b64, "Ni54IQ==");
  assert_int_equal(cs_base64_decode((const unsigned char *) b64, 8, back,
                                    &dec_len),
                   8);
  assert_int_equal(dec_len, 4);
  assert_memory_equal(back, "6.x!", 4);
  c_snprintf(back, sizeof(back), "%d", 42);
  assert_string_equal(back, "42");
  assert_int_equal(c_strnlen("abcdef", 3), 3);
  assert_non_null(c_strnstr("hello world", "world", 11));
  assert_null(c_strnstr("hello world", "world", 8));
  assert_true(cs_time() > 1.6e9);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_version_and_main_iface),
      cmocka_unit_test(test_platform_macros),
      cmocka_unit_test(test_bsd_list_macros),
      cmocka_unit_test(test_cs_helpers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
