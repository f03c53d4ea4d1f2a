// MG_ENABLE_HTTP_NO_HOST=1: HTTP/1.1 requests without Host are served, as
// 6.18 served them (the default answers 400, RFC 9112 3.2). This test
// builds mongoose.c itself with the option on.
#define MG_ENABLE_HTTP_NO_HOST 1
#include "../../mongoose.c"  // First: it sets the feature-test macros

#include <setjmp.h>

#include <cmocka.h>

static int parse(const char *s, int *status) {
  struct http_message hm;
  return mg_http_parse(s, strlen(s), &hm, 1, status);
}

static void test_no_host_option_accepts_host_less_http_1_1(void **state) {
  const char *req = "GET / HTTP/1.1\r\n\r\n";
  int status = 0;
  (void) state;
  assert_int_equal(parse(req, &status), (int) strlen(req));
}

static void test_no_host_option_still_refuses_two_hosts(void **state) {
  int status = 0;
  (void) state;
  assert_int_equal(
      parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", &status), -1);
  assert_int_equal(status, 400);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_no_host_option_accepts_host_less_http_1_1),
      cmocka_unit_test(test_no_host_option_still_refuses_two_hosts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
