// Unit tests for struct mbuf.
#include "mongoose.h"  // First: it sets the feature-test macros

#include <setjmp.h>

#include <cmocka.h>

static void test_mbuf_init_allocates_capacity(void **state) {
  struct mbuf m;
  (void) state;
  mbuf_init(&m, 100);
  assert_non_null(m.buf);
  assert_int_equal(m.size, 100);
  assert_int_equal(m.len, 0);
  mbuf_free(&m);
  mbuf_init(&m, 0);
  assert_null(m.buf);
  assert_int_equal(m.size, 0);
  mbuf_free(&m);
}

static void test_mbuf_free_leaves_struct_reusable(void **state) {
  struct mbuf m;
  (void) state;
  mbuf_init(&m, 10);
  assert_int_equal(mbuf_append(&m, "abc", 3), 3);
  mbuf_free(&m);
  assert_null(m.buf);
  assert_int_equal(m.len, 0);
  assert_int_equal(m.size, 0);
  assert_int_equal(mbuf_append(&m, "xy", 2), 2);
  assert_memory_equal(m.buf, "xy", 2);
  mbuf_free(&m);
  mbuf_free(&m);  // Twice is harmless
}

static void test_mbuf_append_grows_by_one_and_a_half(void **state) {
  struct mbuf m;
  char data[100];
  (void) state;
  memset(data, 'x', sizeof(data));
  mbuf_init(&m, 0);
  assert_int_equal(mbuf_append(&m, data, 10), 10);
  assert_int_equal(m.size, 15);  // 10 * 1.5
  assert_int_equal(mbuf_append(&m, data, 5), 5);
  assert_int_equal(m.size, 15);  // Fits: no growth
  assert_int_equal(mbuf_append(&m, data, 5), 5);
  assert_int_equal(m.size, 30);  // (15 + 5) * 1.5
  assert_int_equal(m.len, 20);
  mbuf_free(&m);
}

static void test_mbuf_append_zero_bytes_is_noop(void **state) {
  struct mbuf m;
  (void) state;
  mbuf_init(&m, 0);
  assert_int_equal(mbuf_append(&m, "abc", 0), 0);
  assert_int_equal(m.len, 0);
  assert_null(m.buf);
  mbuf_free(&m);
}

static void test_mbuf_insert_in_the_middle(void **state) {
  struct mbuf m;
  (void) state;
  mbuf_init(&m, 0);
  mbuf_append(&m, "helloworld", 10);
  assert_int_equal(mbuf_insert(&m, 5, ", ", 2), 2);
  assert_int_equal(m.len, 12);
  assert_memory_equal(m.buf, "hello, world", 12);
  assert_int_equal(mbuf_insert(&m, 0, ">", 1), 1);
  assert_int_equal(mbuf_insert(&m, m.len, "<", 1), 1);
  assert_memory_equal(m.buf, ">hello, world<", 14);
  mbuf_free(&m);
}

static void test_mbuf_insert_past_end_is_refused(void **state) {
  struct mbuf m;
  (void) state;
  mbuf_init(&m, 0);
  mbuf_append(&m, "abc", 3);
  assert_int_equal(mbuf_insert(&m, 4, "x", 1), 0);
  assert_int_equal(m.len, 3);
  assert_memory_equal(m.buf, "abc", 3);
  mbuf_free(&m);
}

static void test_mbuf_remove_from_front(void **state) {
  struct mbuf m;
  (void) state;
  mbuf_init(&m, 0);
  mbuf_append(&m, "abcdef", 6);
  mbuf_remove(&m, 2);
  assert_int_equal(m.len, 4);
  assert_memory_equal(m.buf, "cdef", 4);
  mbuf_remove(&m, 4);
  assert_int_equal(m.len, 0);
  mbuf_free(&m);
}

static void test_mbuf_remove_more_than_len_is_noop(void **state) {
  struct mbuf m;
  (void) state;
  mbuf_init(&m, 0);
  mbuf_append(&m, "abc", 3);
  mbuf_remove(&m, 4);
  assert_int_equal(m.len, 3);
  assert_memory_equal(m.buf, "abc", 3);
  mbuf_remove(&m, (size_t) -1);
  assert_int_equal(m.len, 3);
  mbuf_free(&m);
}

// As in 6.x, a size below len is ignored: the capacity is not even
// shrunk to len.
static void test_mbuf_resize_below_len_is_noop(void **state) {
  struct mbuf m;
  char *buf;
  (void) state;
  mbuf_init(&m, 16);
  mbuf_append(&m, "abcdef", 6);
  buf = m.buf;
  mbuf_resize(&m, 2);
  assert_int_equal(m.size, 16);
  assert_int_equal(m.len, 6);
  assert_ptr_equal(m.buf, buf);
  assert_memory_equal(m.buf, "abcdef", 6);
  mbuf_resize(&m, 5);
  assert_int_equal(m.size, 16);
  mbuf_resize(&m, 0);
  assert_int_equal(m.size, 16);
  assert_int_equal(m.len, 6);
  mbuf_free(&m);
}

// Any size from len up is taken, shrinking or growing.
static void test_mbuf_resize_to_len_or_more_applies(void **state) {
  struct mbuf m;
  (void) state;
  mbuf_init(&m, 16);
  mbuf_append(&m, "abcdef", 6);
  mbuf_resize(&m, 6);
  assert_int_equal(m.size, 6);
  assert_memory_equal(m.buf, "abcdef", 6);
  mbuf_resize(&m, 64);
  assert_int_equal(m.size, 64);
  assert_int_equal(m.len, 6);
  assert_memory_equal(m.buf, "abcdef", 6);
  mbuf_clear(&m);
  mbuf_resize(&m, 0);  // len 0: size 0 frees the buffer
  assert_null(m.buf);
  assert_int_equal(m.size, 0);
  mbuf_free(&m);
}

static void test_mbuf_trim_shrinks_to_len(void **state) {
  struct mbuf m;
  (void) state;
  mbuf_init(&m, 100);
  mbuf_append(&m, "abc", 3);
  mbuf_trim(&m);
  assert_int_equal(m.size, 3);
  assert_memory_equal(m.buf, "abc", 3);
  mbuf_clear(&m);
  mbuf_trim(&m);
  assert_int_equal(m.size, 0);
  assert_null(m.buf);
  mbuf_free(&m);
}

static void test_mbuf_clear_keeps_allocation(void **state) {
  struct mbuf m;
  (void) state;
  mbuf_init(&m, 0);
  mbuf_append(&m, "abc", 3);
  mbuf_clear(&m);
  assert_int_equal(m.len, 0);
  assert_true(m.size >= 3);
  assert_non_null(m.buf);
  mbuf_free(&m);
}

static void test_mbuf_move_transfers_contents(void **state) {
  struct mbuf a, b;
  (void) state;
  mbuf_init(&a, 0);
  mbuf_init(&b, 0);
  mbuf_append(&a, "payload", 7);
  mbuf_append(&b, "old", 3);
  mbuf_move(&a, &b);
  assert_null(a.buf);
  assert_int_equal(a.len, 0);
  assert_int_equal(a.size, 0);
  assert_int_equal(b.len, 7);
  assert_memory_equal(b.buf, "payload", 7);
  mbuf_move(&b, &b);  // Moving onto itself keeps the data
  assert_int_equal(b.len, 7);
  mbuf_free(&a);
  mbuf_free(&b);
}

static void test_mbuf_append_and_free_takes_ownership(void **state) {
  struct mbuf m;
  char *p;
  (void) state;
  mbuf_init(&m, 0);
  // Into an empty buffer: the block is adopted.
  p = (char *) malloc(4);
  memcpy(p, "abcd", 4);
  assert_int_equal(mbuf_append_and_free(&m, p, 4), 4);
  assert_int_equal(m.len, 4);
  // Into a non-empty buffer: copied, then freed (ASan/valgrind check it).
  p = (char *) malloc(2);
  memcpy(p, "ef", 2);
  assert_int_equal(mbuf_append_and_free(&m, p, 2), 2);
  assert_int_equal(m.len, 6);
  assert_memory_equal(m.buf, "abcdef", 6);
  mbuf_free(&m);
}

static void test_mbuf_many_appends_keep_content(void **state) {
  struct mbuf m;
  size_t i;
  (void) state;
  mbuf_init(&m, 1);
  for (i = 0; i < 100000; i++) {
    char c = (char) ('a' + i % 26);
    assert_int_equal(mbuf_append(&m, &c, 1), 1);
  }
  assert_int_equal(m.len, 100000);
  for (i = 0; i < m.len; i++) assert_int_equal(m.buf[i], 'a' + i % 26);
  mbuf_free(&m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mbuf_init_allocates_capacity),
      cmocka_unit_test(test_mbuf_free_leaves_struct_reusable),
      cmocka_unit_test(test_mbuf_append_grows_by_one_and_a_half),
      cmocka_unit_test(test_mbuf_append_zero_bytes_is_noop),
      cmocka_unit_test(test_mbuf_insert_in_the_middle),
      cmocka_unit_test(test_mbuf_insert_past_end_is_refused),
      cmocka_unit_test(test_mbuf_remove_from_front),
      cmocka_unit_test(test_mbuf_remove_more_than_len_is_noop),
      cmocka_unit_test(test_mbuf_resize_below_len_is_noop),
      cmocka_unit_test(test_mbuf_resize_to_len_or_more_applies),
      cmocka_unit_test(test_mbuf_trim_shrinks_to_len),
      cmocka_unit_test(test_mbuf_clear_keeps_allocation),
      cmocka_unit_test(test_mbuf_move_transfers_contents),
      cmocka_unit_test(test_mbuf_append_and_free_takes_ownership),
      cmocka_unit_test(test_mbuf_many_appends_keep_content),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
