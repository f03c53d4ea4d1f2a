// The resolver's pure parts: resolv.conf and hosts file parsing, the cache.
// Includes mongoose.c to reach the static cache helpers.
#include "../../mongoose.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static void test_resolv_conf_every_nameserver_v4_and_v6(void **state) {
  const char *conf =
      "# comment\nsearch example\nnameserver 10.0.0.1\n"
      "nameserver   fe80::1%eth0\n; nameserver 9.9.9.9\n"
      "nameserver bogus\nnameserver 10.0.0.2 # trailing\n";
  union socket_address sa[4];
  char buf[64];
  int n;
  (void) state;
  n = mg_resolv_parse_conf(conf, strlen(conf), sa, 4);
  assert_int_equal(n, 2 + MG_ENABLE_IPV6);
  mg_sock_addr_to_str(&sa[0], buf, sizeof(buf),
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  assert_string_equal(buf, "10.0.0.1:53");
#if MG_ENABLE_IPV6
  mg_sock_addr_to_str(&sa[1], buf, sizeof(buf),
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  assert_string_equal(buf, "[fe80::1]:53");
#endif
  mg_sock_addr_to_str(&sa[n - 1], buf, sizeof(buf), MG_SOCK_STRINGIFY_IP);
  assert_string_equal(buf, "10.0.0.2");
}

static void test_resolv_conf_bounded_by_max(void **state) {
  const char *conf = "nameserver 1.1.1.1\nnameserver 2.2.2.2\n";
  union socket_address sa[1];
  (void) state;
  assert_int_equal(mg_resolv_parse_conf(conf, strlen(conf), sa, 1), 1);
  assert_int_equal(mg_resolv_parse_conf("", 0, sa, 1), 0);
}

static void test_hosts_file_first_match_case_insensitive(void **state) {
  const char *hosts =
      "127.0.0.1 localhost\n# 10.9.9.9 web\n10.0.0.7\tWeb www  # c\n"
      "10.0.0.8 web\n::7 web6 web\n";
  union socket_address sa;
  char buf[64];
  (void) state;
  assert_int_equal(
      mg_resolv_parse_hosts(hosts, strlen(hosts), "WEB.", AF_INET, &sa), 0);
  mg_sock_addr_to_str(&sa, buf, sizeof(buf), MG_SOCK_STRINGIFY_IP);
  assert_string_equal(buf, "10.0.0.7");
  assert_int_equal(
      mg_resolv_parse_hosts(hosts, strlen(hosts), "we", AF_INET, &sa), -1);
  assert_int_equal(
      mg_resolv_parse_hosts(hosts, strlen(hosts), "web6", AF_INET, &sa), -1);
#if MG_ENABLE_IPV6
  assert_int_equal(
      mg_resolv_parse_hosts(hosts, strlen(hosts), "web", AF_INET6, &sa), 0);
  mg_sock_addr_to_str(&sa, buf, sizeof(buf), MG_SOCK_STRINGIFY_IP);
  assert_string_equal(buf, "::7");
#endif
}

static void test_cache_honours_ttl_and_is_bounded(void **state) {
  struct mg_mgr mgr;
  struct resolv_addrs a, got;
  char name[32];
  int i;
  (void) state;
  memset(&mgr, 0, sizeof(mgr));
  memset(&a, 0, sizeof(a));
  a.qtype = MG_DNS_A_RECORD;
  a.num = 1;
  a.ttl = 60;
  resolv_cache_put(&mgr, "A.example", &a);
  assert_int_equal(resolv_cache_get(&mgr, "a.example", MG_DNS_A_RECORD, &got),
                   1);
  assert_true(got.ttl <= 60 && got.ttl >= 59);
  assert_int_equal(
      resolv_cache_get(&mgr, "a.example", MG_DNS_AAAA_RECORD, &got), 0);
  // TTL 0 is not cached; a stale entry is not returned.
  a.ttl = 0;
  resolv_cache_put(&mgr, "zero.example", &a);
  assert_int_equal(
      resolv_cache_get(&mgr, "zero.example", MG_DNS_A_RECORD, &got), 0);
  ((struct resolv_state *) mgr.resolver)->cache[0].expires = mg_time() - 1;
  assert_int_equal(resolv_cache_get(&mgr, "a.example", MG_DNS_A_RECORD, &got),
                   0);
  // More names than entries: the newest are kept, memory stays the same.
  a.ttl = 100;
  for (i = 0; i < MG_RESOLV_CACHE_SIZE + 5; i++) {
    snprintf(name, sizeof(name), "n%d.example", i);
    a.ttl = (uint32_t) (100 + i);
    resolv_cache_put(&mgr, name, &a);
  }
  snprintf(name, sizeof(name), "n%d.example", MG_RESOLV_CACHE_SIZE + 4);
  assert_int_equal(resolv_cache_get(&mgr, name, MG_DNS_A_RECORD, &got), 1);
  assert_int_equal(
      resolv_cache_get(&mgr, "n0.example", MG_DNS_A_RECORD, &got), 0);
  MG_FREE(mgr.resolver);
}

static void test_nameserver_string_forms(void **state) {
  union socket_address sa;
  int tcp;
  char buf[64];
  (void) state;
  assert_int_equal(resolv_parse_ns("8.8.8.8", &sa, &tcp), 0);
  mg_sock_addr_to_str(&sa, buf, sizeof(buf),
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  assert_string_equal(buf, "8.8.8.8:53");
  assert_int_equal(tcp, 0);
  assert_int_equal(resolv_parse_ns("tcp://127.0.0.1:5353", &sa, &tcp), 0);
  assert_int_equal(tcp, 1);
  assert_int_equal(ntohs(sa.sin.sin_port), 5353);
  assert_int_equal(resolv_parse_ns("udp://not a server", &sa, &tcp), -1);
}

// Found by test/fuzz/fuzz_resolv.c: a token with a NUL byte inside was
// taken for the address before the NUL.
static void test_nul_inside_a_token_is_no_address(void **state) {
  const char conf[] = "nameserver 1.2.3.4\0junk\nnameserver 10.0.0.1\n";
  const char hosts[] = "10.0.0.7\0x web\n10.0.0.8 web\n";
  union socket_address sa[2];
  char buf[64];
  (void) state;
  assert_int_equal(mg_resolv_parse_conf(conf, sizeof(conf) - 1, sa, 2), 1);
  mg_sock_addr_to_str(&sa[0], buf, sizeof(buf), MG_SOCK_STRINGIFY_IP);
  assert_string_equal(buf, "10.0.0.1");
  assert_int_equal(
      mg_resolv_parse_hosts(hosts, sizeof(hosts) - 1, "web", AF_INET, sa), 0);
  mg_sock_addr_to_str(&sa[0], buf, sizeof(buf), MG_SOCK_STRINGIFY_IP);
  assert_string_equal(buf, "10.0.0.8");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_resolv_conf_every_nameserver_v4_and_v6),
      cmocka_unit_test(test_resolv_conf_bounded_by_max),
      cmocka_unit_test(test_hosts_file_first_match_case_insensitive),
      cmocka_unit_test(test_cache_honours_ttl_and_is_bounded),
      cmocka_unit_test(test_nameserver_string_forms),
      cmocka_unit_test(test_nul_inside_a_token_is_no_address),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
