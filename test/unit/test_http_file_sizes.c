// Sizes past 4 GiB in the static file code (src/http_file.c, internal:
// this test compiles mongoose.c in), on 64-bit and 32-bit systems alike
// (make test-cross runs it on arm, mips and i386).
#include "../../mongoose.c"  // First: it sets the feature-test macros

#include <setjmp.h>

#include <cmocka.h>

// One sendfile() call never asks for 0 bytes, nor for a wrapped count,
// whatever the remainder: 4 GiB in a 32-bit size_t was 0 (the download
// stalled), 4 GiB + 10 was 10.
static void test_sendfile_length_never_wraps(void **state) {
  static const int64_t rem[] = {1,
                                16384,
                                ((int64_t) 1 << 30) - 1,
                                (int64_t) 1 << 30,
                                ((int64_t) 1 << 32) - 1,
                                (int64_t) 1 << 32,
                                ((int64_t) 1 << 32) + 10,
                                (int64_t) 5 << 40};
  size_t i, n;
  (void) state;
  for (i = 0; i < sizeof(rem) / sizeof(rem[0]); i++) {
    n = file_sendfile_len(rem[i]);
    assert_true(n > 0);
    assert_true((int64_t) n <= rem[i]);
    assert_true((int64_t) n == rem[i] || n == (size_t) 1 << 30);
  }
}

// An If-Modified-Since past 2038 is the latest time_t, not a wrapped
// (1901) date: a file is not modified since then.
static void test_date_after_2038_clamped_or_exact(void **state) {
  time_t t = 0;
  volatile int64_t v;  // volatile: no "always false" for a 32-bit time_t
  (void) state;
  assert_int_equal(
      http_parse_date(mg_mk_str("Fri, 01 Jan 2100 00:00:00 GMT"), &t), 1);
  v = (int64_t) t;
  if (sizeof(time_t) >= 8) {
    assert_true(v == (int64_t) 4102444800LL);
  } else {
    assert_true(v == (int64_t) 0x7fffffff);
  }
  assert_true(t > 0);
  assert_int_equal(
      http_parse_date(mg_mk_str("Tue, 19 Jan 2038 03:14:07 GMT"), &t), 1);
  v = (int64_t) t;
  assert_true(v == (int64_t) 0x7fffffff);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sendfile_length_never_wraps),
      cmocka_unit_test(test_date_after_2038_clamped_or_exact),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
