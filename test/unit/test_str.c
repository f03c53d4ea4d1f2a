// Unit tests for struct mg_str helpers, string comparison, mg_asprintf, comma
// lists and the glob matcher (src/str.c).
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mongoose.h"

// Asserts that a slice holds exactly the NUL-terminated string expected.
static void assert_slice(struct mg_str s, const char *expected) {
  assert_int_equal(s.len, strlen(expected));
  assert_memory_equal(s.p, expected, s.len);
}

static void test_mk_str_counts_bytes_and_accepts_null(void **state) {
  struct mg_str s = mg_mk_str("hello");
  (void) state;
  assert_slice(s, "hello");
  s = mg_mk_str(NULL);
  assert_null(s.p);
  assert_int_equal(s.len, 0);
  s = mg_mk_str("");
  assert_non_null(s.p);
  assert_int_equal(s.len, 0);
}

static void test_mk_str_n_keeps_given_length(void **state) {
  struct mg_str s = mg_mk_str_n("hello world", 5);
  struct mg_str m = MG_MK_STR("abc"), z = MG_NULL_STR;
  (void) state;
  assert_slice(s, "hello");
  assert_slice(m, "abc");
  assert_null(z.p);
  assert_int_equal(z.len, 0);
}

static void test_vcmp_orders_like_strcmp(void **state) {
  struct mg_str s = mg_mk_str_n("abcdef", 3);
  (void) state;
  assert_int_equal(mg_vcmp(&s, "abc"), 0);
  assert_true(mg_vcmp(&s, "abcd") < 0);  // Shorter sorts first.
  assert_true(mg_vcmp(&s, "ab") > 0);
  assert_true(mg_vcmp(&s, "abd") < 0);
  assert_true(mg_vcmp(&s, "abb") > 0);
  assert_true(mg_vcmp(&s, "ABC") != 0);
}

static void test_vcmp_sees_embedded_nul(void **state) {
  struct mg_str s = mg_mk_str_n("ab\0c", 4);
  (void) state;
  assert_true(mg_vcmp(&s, "ab") > 0);  // The slice is longer than "ab".
}

static void test_vcasecmp_ignores_ascii_case(void **state) {
  struct mg_str s = mg_mk_str("Content-Type");
  (void) state;
  assert_int_equal(mg_vcasecmp(&s, "content-type"), 0);
  assert_int_equal(mg_vcasecmp(&s, "CONTENT-TYPE"), 0);
  assert_true(mg_vcasecmp(&s, "content-typex") < 0);
  assert_true(mg_vcasecmp(&s, "content-typ") > 0);
  assert_true(mg_vcasecmp(&s, "content-tzpe") < 0);
}

static void test_strdup_copies_bytes(void **state) {
  struct mg_str src = mg_mk_str_n("abcdef", 4), d = mg_strdup(src);
  (void) state;
  assert_non_null(d.p);
  assert_true(d.p != src.p);
  assert_slice(d, "abcd");
  mg_strfree(&d);
}

static void test_strdup_of_empty_slice_is_null(void **state) {
  struct mg_str d = mg_strdup(mg_mk_str("")), e = mg_strdup(mg_mk_str(NULL));
  (void) state;
  assert_null(d.p);
  assert_int_equal(d.len, 0);
  assert_null(e.p);
  d = mg_strdup_nul(mg_mk_str(NULL));
  assert_null(d.p);
}

static void test_strdup_nul_terminates_copy(void **state) {
  struct mg_str d = mg_strdup_nul(mg_mk_str_n("xyz123", 3));
  (void) state;
  assert_non_null(d.p);
  assert_int_equal(d.len, 3);
  assert_string_equal(d.p, "xyz");
  mg_strfree(&d);
}

static void test_strfree_empties_slice(void **state) {
  struct mg_str d = mg_strdup(mg_mk_str("data")), none = MG_NULL_STR;
  (void) state;
  mg_strfree(&d);
  assert_null(d.p);
  assert_int_equal(d.len, 0);
  mg_strfree(&none);  // Freeing an empty slice is harmless.
  assert_null(none.p);
}

static void test_strchr_searches_only_within_len(void **state) {
  struct mg_str s = mg_mk_str_n("abcabc", 2);
  struct mg_str full = mg_mk_str("a/b/c");
  (void) state;
  assert_ptr_equal(mg_strchr(full, '/'), full.p + 1);
  assert_ptr_equal(mg_strchr(s, 'b'), s.p + 1);
  assert_null(mg_strchr(s, 'c'));
  assert_null(mg_strchr(mg_mk_str(NULL), 'a'));
}

static void test_strcmp_compares_bytes_then_length(void **state) {
  struct mg_str a = mg_mk_str("abc"), b = mg_mk_str("abd");
  struct mg_str hi = mg_mk_str("\xff"), lo = mg_mk_str("\x01");
  (void) state;
  assert_int_equal(mg_strcmp(a, mg_mk_str("abc")), 0);
  assert_true(mg_strcmp(a, b) < 0);
  assert_true(mg_strcmp(b, a) > 0);
  assert_true(mg_strcmp(mg_mk_str("ab"), a) < 0);
  assert_true(mg_strcmp(a, mg_mk_str("ab")) > 0);
  assert_true(mg_strcmp(hi, lo) > 0);  // Bytes compare as unsigned.
  assert_int_equal(mg_strcmp(mg_mk_str(""), mg_mk_str(NULL)), 0);
}

static void test_strncmp_compares_at_most_n_bytes(void **state) {
  struct mg_str a = mg_mk_str("abcdef"), b = mg_mk_str("abcxyz");
  (void) state;
  assert_int_equal(mg_strncmp(a, b, 3), 0);
  assert_true(mg_strncmp(a, b, 4) < 0);
  assert_int_equal(mg_strncmp(a, b, 0), 0);
  assert_true(mg_strncmp(mg_mk_str("ab"), a, 3) < 0);
  assert_int_equal(mg_strncmp(a, mg_mk_str("abcdef"), 100), 0);
}

static void test_strcasecmp_ignores_ascii_case(void **state) {
  (void) state;
  assert_int_equal(mg_strcasecmp(mg_mk_str("HeLLo"), mg_mk_str("hello")), 0);
  assert_true(mg_strcasecmp(mg_mk_str("hello"), mg_mk_str("HELLP")) < 0);
  assert_true(mg_strcasecmp(mg_mk_str("hello!"), mg_mk_str("HELLO")) > 0);
  // Non-ASCII bytes are not folded.
  assert_true(mg_strcasecmp(mg_mk_str("\xc4"), mg_mk_str("\xe4")) != 0);
}

static void test_strstr_finds_first_occurrence(void **state) {
  struct mg_str h = mg_mk_str("one two two");
  (void) state;
  assert_ptr_equal(mg_strstr(h, mg_mk_str("two")), h.p + 4);
  assert_ptr_equal(mg_strstr(h, mg_mk_str("one")), h.p);
  assert_ptr_equal(mg_strstr(h, mg_mk_str("o two")), h.p + 6);
  assert_null(mg_strstr(h, mg_mk_str("three")));
  assert_ptr_equal(mg_strstr(h, mg_mk_str("")), h.p);
}

static void test_strstr_does_not_look_past_haystack_len(void **state) {
  struct mg_str h = mg_mk_str_n("abcdef", 4);
  (void) state;
  assert_null(mg_strstr(h, mg_mk_str("de")));
  assert_null(mg_strstr(h, mg_mk_str("abcdef")));
  assert_ptr_equal(mg_strstr(h, mg_mk_str("cd")), h.p + 2);
}

static void test_strstrip_removes_surrounding_whitespace(void **state) {
  (void) state;
  assert_slice(mg_strstrip(mg_mk_str(" \t a b \r\n")), "a b");
  assert_slice(mg_strstrip(mg_mk_str("ab")), "ab");
  assert_slice(mg_strstrip(mg_mk_str("   ")), "");
  assert_slice(mg_strstrip(mg_mk_str("")), "");
}

static void test_str_starts_with_checks_prefix(void **state) {
  struct mg_str s = mg_mk_str("/api/v1");
  (void) state;
  assert_true(mg_str_starts_with(s, mg_mk_str("/api")));
  assert_true(mg_str_starts_with(s, mg_mk_str("/api/v1")));
  assert_true(mg_str_starts_with(s, mg_mk_str("")));
  assert_false(mg_str_starts_with(s, mg_mk_str("/api/v12")));
  assert_false(mg_str_starts_with(s, mg_mk_str("/API")));
}

static void test_ncasecmp_stops_at_len_or_nul(void **state) {
  (void) state;
  assert_int_equal(mg_ncasecmp("HELLO", "help", 3), 0);
  assert_true(mg_ncasecmp("HELLO", "help", 4) < 0);  // 'l' < 'p'
  assert_int_equal(mg_ncasecmp("abc", "ABC", 100), 0);
  assert_true(mg_ncasecmp("ab", "abc", 100) < 0);
  assert_int_equal(mg_ncasecmp("x", "y", 0), 0);
}

static void test_casecmp_compares_whole_strings(void **state) {
  (void) state;
  assert_int_equal(mg_casecmp("Keep-Alive", "keep-alive"), 0);
  assert_true(mg_casecmp("close", "keep-alive") < 0);
  assert_true(mg_casecmp("keep-alive2", "keep-alive") > 0);
  assert_int_equal(mg_casecmp("", ""), 0);
}

static void test_asprintf_uses_given_buffer_when_it_fits(void **state) {
  char mem[32], *buf = mem;
  int n = mg_asprintf(&buf, sizeof(mem), "%s=%d", "x", 42);
  (void) state;
  assert_int_equal(n, 4);
  assert_ptr_equal(buf, mem);
  assert_string_equal(buf, "x=42");
}

static void test_asprintf_allocates_when_result_is_too_long(void **state) {
  char mem[8], *buf = mem, big[10001];
  int n;
  (void) state;
  memset(big, 'z', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  n = mg_asprintf(&buf, sizeof(mem), "<%s>", big);
  assert_int_equal(n, 10002);
  assert_true(buf != mem);
  assert_int_equal(strlen(buf), 10002);
  assert_int_equal(buf[0], '<');
  assert_int_equal(buf[10001], '>');
  free(buf);
}

static void test_asprintf_exact_fit_needs_room_for_nul(void **state) {
  char mem[4], *buf = mem;
  int n = mg_asprintf(&buf, sizeof(mem), "abcd");
  (void) state;
  assert_int_equal(n, 4);
  assert_true(buf != mem);
  assert_string_equal(buf, "abcd");
  free(buf);
}

static void test_asprintf_with_null_buffer_allocates(void **state) {
  char *buf = NULL;
  int n = mg_asprintf(&buf, 0, "%d-%s", 7, "seven");
  (void) state;
  assert_int_equal(n, 7);
  assert_non_null(buf);
  assert_string_equal(buf, "7-seven");
  free(buf);
}

static void test_next_comma_list_entry_splits_names_and_values(void **state) {
  const char *list = "a=1,bb,c=,=d";
  struct mg_str val, eq;
  (void) state;
  list = mg_next_comma_list_entry(list, &val, &eq);
  assert_non_null(list);
  assert_slice(val, "a");
  assert_slice(eq, "1");
  list = mg_next_comma_list_entry(list, &val, &eq);
  assert_slice(val, "bb");
  assert_null(eq.p);  // No '=' at all.
  assert_int_equal(eq.len, 0);
  list = mg_next_comma_list_entry(list, &val, &eq);
  assert_slice(val, "c");
  assert_non_null(eq.p);  // '=' with an empty value.
  assert_int_equal(eq.len, 0);
  list = mg_next_comma_list_entry(list, &val, &eq);
  assert_non_null(list);
  assert_slice(val, "");
  assert_slice(eq, "d");
  assert_null(mg_next_comma_list_entry(list, &val, &eq));
}

static void test_next_comma_list_entry_null_and_empty_lists_end(void **state) {
  struct mg_str val, eq;
  (void) state;
  assert_null(mg_next_comma_list_entry(NULL, &val, &eq));
  assert_null(mg_next_comma_list_entry("", &val, &eq));
}

static void test_next_comma_list_entry_without_eq_val_keeps_whole(void **s) {
  struct mg_str val;
  const char *list = mg_next_comma_list_entry("k=v,x", &val, NULL);
  (void) s;
  assert_slice(val, "k=v");
  list = mg_next_comma_list_entry(list, &val, NULL);
  assert_slice(val, "x");
  assert_null(mg_next_comma_list_entry(list, &val, NULL));
}

static void test_next_comma_list_entry_keeps_empty_middle_entries(void **s) {
  const char *list = "a,,b";
  struct mg_str val;
  int n = 0;
  (void) s;
  while ((list = mg_next_comma_list_entry(list, &val, NULL)) != NULL) n++;
  assert_int_equal(n, 3);
}

static void test_next_comma_list_entry_n_stays_within_slice(void **state) {
  struct mg_str list = mg_mk_str_n("x=1,y=2,z=3", 7), val, eq;
  (void) state;
  list = mg_next_comma_list_entry_n(list, &val, &eq);
  assert_slice(val, "x");
  assert_slice(eq, "1");
  list = mg_next_comma_list_entry_n(list, &val, &eq);
  assert_non_null(list.p);
  assert_int_equal(list.len, 0);
  assert_slice(val, "y");
  assert_slice(eq, "2");
  list = mg_next_comma_list_entry_n(list, &val, &eq);
  assert_null(list.p);
}

static void test_match_prefix_literal_ignores_case(void **state) {
  (void) state;
  assert_int_equal(mg_match_prefix("/foo", -1, "/foo"), 4);
  assert_int_equal(mg_match_prefix("/FOO", -1, "/foo/bar"), 4);
  assert_int_equal(mg_match_prefix("/foo", -1, "/fo"), 0);
  assert_int_equal(mg_match_prefix("/foo", -1, "/bar"), 0);
}

static void test_match_prefix_star_does_not_cross_slash(void **state) {
  (void) state;
  assert_int_equal(mg_match_prefix("*", -1, "abc/def"), 3);
  assert_int_equal(mg_match_prefix("/*", -1, "/abc/def"), 4);
  assert_int_equal(mg_match_prefix("*.c", -1, "a/b.c"), 0);
  assert_int_equal(mg_match_prefix("*/*.c", -1, "a/b.c"), 5);
  assert_int_equal(mg_match_prefix("*", -1, "/abc"), 0);  // Empty match.
}

static void test_match_prefix_double_star_crosses_slash(void **state) {
  (void) state;
  assert_int_equal(mg_match_prefix("**", -1, "abc/def"), 7);
  assert_int_equal(mg_match_prefix("**.c", -1, "a/b/c.c"), 7);
  assert_int_equal(mg_match_prefix("/a/**/x", -1, "/a/b/c/x/y"), 8);
  assert_int_equal(mg_match_prefix("**.c", -1, "a/b/c.h"), 0);
}

static void test_match_prefix_star_is_greedy(void **state) {
  (void) state;
  assert_int_equal(mg_match_prefix("a*b", -1, "abxb/b"), 4);
  assert_int_equal(mg_match_prefix("**b", -1, "abxb/b"), 6);
  assert_int_equal(mg_match_prefix("*.*", -1, "a.b.c"), 5);
}

static void test_match_prefix_question_mark_matches_one_byte(void **state) {
  (void) state;
  assert_int_equal(mg_match_prefix("a?c", -1, "abc"), 3);
  assert_int_equal(mg_match_prefix("a?c", -1, "a/c"), 0);
  assert_int_equal(mg_match_prefix("a?c", -1, "ac"), 0);
  assert_int_equal(mg_match_prefix("???", -1, "abcdef"), 3);
}

static void test_match_prefix_dollar_anchors_end(void **state) {
  (void) state;
  assert_int_equal(mg_match_prefix("/foo$", -1, "/foo"), 4);
  assert_int_equal(mg_match_prefix("/foo$", -1, "/foobar"), 0);
  assert_int_equal(mg_match_prefix("**.cgi$", -1, "/x/y.cgi"), 8);
  assert_int_equal(mg_match_prefix("**.cgi$", -1, "/x/y.cgi.txt"), 0);
  assert_int_equal(mg_match_prefix("*$", -1, "abc"), 3);
  assert_int_equal(mg_match_prefix("*$", -1, "abc/d"), 0);
}

static void test_match_prefix_first_matching_alternative_wins(void **s) {
  (void) s;
  assert_int_equal(mg_match_prefix("*.c|*.h", -1, "x.h"), 3);
  assert_int_equal(mg_match_prefix("*.c|*.h", -1, "x.c"), 3);
  assert_int_equal(mg_match_prefix("*.c|*.h", -1, "x.o"), 0);
  assert_int_equal(mg_match_prefix("/a|/a/b", -1, "/a/b"), 2);
  assert_int_equal(mg_match_prefix("/x|/a/b", -1, "/a/b"), 4);
  assert_int_equal(mg_match_prefix("/x||/y", -1, "/y"), 2);
}

static void test_match_prefix_comma_also_separates_alternatives(void **s) {
  (void) s;
  assert_int_equal(mg_match_prefix("**.shtml$,**.shtm$", -1, "/i.shtm"), 7);
  assert_int_equal(mg_match_prefix("a,b|c", -1, "b"), 1);
  assert_int_equal(mg_match_prefix("a,b|c", -1, "c"), 1);
}

static void test_match_prefix_empty_pattern_matches_nothing(void **state) {
  (void) state;
  assert_int_equal(mg_match_prefix("", -1, "abc"), 0);
  assert_int_equal(mg_match_prefix("", 0, ""), 0);
  assert_int_equal(mg_match_prefix("abc", -1, ""), 0);
  assert_int_equal(mg_match_prefix(NULL, -1, "abc"), 0);
}

static void test_match_prefix_uses_only_pattern_len_bytes(void **state) {
  (void) state;
  assert_int_equal(mg_match_prefix("abcdef", 3, "abcxyz"), 3);
  assert_int_equal(mg_match_prefix("/foo$", 4, "/foobar"), 4);
}

static void test_match_prefix_n_stays_within_str_len(void **state) {
  struct mg_str str = mg_mk_str_n("/foo/bar", 4);
  (void) state;
  assert_int_equal(mg_match_prefix_n(mg_mk_str("**"), str), 4);
  assert_int_equal(mg_match_prefix_n(mg_mk_str("/foo$"), str), 4);
  assert_int_equal(mg_match_prefix_n(mg_mk_str("/foo/"), str), 0);
  assert_int_equal(mg_match_prefix_n(mg_mk_str("*"), mg_mk_str("")), 0);
}

static void test_match_prefix_long_pattern_matches(void **state) {
  char pat[301], str[301];
  (void) state;
  memset(pat, 'a', 300);
  pat[300] = '\0';
  pat[150] = '?';
  memset(str, 'a', 300);
  str[300] = '\0';
  assert_int_equal(mg_match_prefix(pat, -1, str), 300);
  str[299] = 'b';
  assert_int_equal(mg_match_prefix(pat, -1, str), 0);
}

static void test_match_prefix_pathological_pattern_is_fast(void **state) {
  char pat[102], *str = (char *) malloc(10241);
  (void) state;
  assert_non_null(str);
  memset(pat, '*', 100);
  pat[100] = 'b';
  pat[101] = '\0';
  memset(str, 'a', 10240);
  str[10240] = '\0';
  // A backtracking matcher would explore C(10240 + 100, 100) splits here.
  assert_int_equal(mg_match_prefix(pat, -1, str), 0);
  pat[100] = '\0';
  assert_int_equal(mg_match_prefix(pat, -1, str), 10240);
  str[10239] = 'b';
  pat[100] = 'b';
  assert_int_equal(mg_match_prefix(pat, -1, str), 10240);
  free(str);
}

static void test_hex_digit_value_both_cases_and_non_digits(void **state) {
  (void) state;
  assert_int_equal(mg_hex_digit_value('0'), 0);
  assert_int_equal(mg_hex_digit_value('9'), 9);
  assert_int_equal(mg_hex_digit_value('a'), 10);
  assert_int_equal(mg_hex_digit_value('F'), 15);
  assert_int_equal(mg_hex_digit_value('g'), -1);
  assert_int_equal(mg_hex_digit_value('/'), -1);
  assert_int_equal(mg_hex_digit_value(':'), -1);
  assert_int_equal(mg_hex_digit_value('@'), -1);
  assert_int_equal(mg_hex_digit_value('G'), -1);
  assert_int_equal(mg_hex_digit_value(0), -1);
  assert_int_equal(mg_hex_digit_value(0xc3), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hex_digit_value_both_cases_and_non_digits),
      cmocka_unit_test(test_mk_str_counts_bytes_and_accepts_null),
      cmocka_unit_test(test_mk_str_n_keeps_given_length),
      cmocka_unit_test(test_vcmp_orders_like_strcmp),
      cmocka_unit_test(test_vcmp_sees_embedded_nul),
      cmocka_unit_test(test_vcasecmp_ignores_ascii_case),
      cmocka_unit_test(test_strdup_copies_bytes),
      cmocka_unit_test(test_strdup_of_empty_slice_is_null),
      cmocka_unit_test(test_strdup_nul_terminates_copy),
      cmocka_unit_test(test_strfree_empties_slice),
      cmocka_unit_test(test_strchr_searches_only_within_len),
      cmocka_unit_test(test_strcmp_compares_bytes_then_length),
      cmocka_unit_test(test_strncmp_compares_at_most_n_bytes),
      cmocka_unit_test(test_strcasecmp_ignores_ascii_case),
      cmocka_unit_test(test_strstr_finds_first_occurrence),
      cmocka_unit_test(test_strstr_does_not_look_past_haystack_len),
      cmocka_unit_test(test_strstrip_removes_surrounding_whitespace),
      cmocka_unit_test(test_str_starts_with_checks_prefix),
      cmocka_unit_test(test_ncasecmp_stops_at_len_or_nul),
      cmocka_unit_test(test_casecmp_compares_whole_strings),
      cmocka_unit_test(test_asprintf_uses_given_buffer_when_it_fits),
      cmocka_unit_test(test_asprintf_allocates_when_result_is_too_long),
      cmocka_unit_test(test_asprintf_exact_fit_needs_room_for_nul),
      cmocka_unit_test(test_asprintf_with_null_buffer_allocates),
      cmocka_unit_test(test_next_comma_list_entry_splits_names_and_values),
      cmocka_unit_test(test_next_comma_list_entry_null_and_empty_lists_end),
      cmocka_unit_test(test_next_comma_list_entry_without_eq_val_keeps_whole),
      cmocka_unit_test(test_next_comma_list_entry_keeps_empty_middle_entries),
      cmocka_unit_test(test_next_comma_list_entry_n_stays_within_slice),
      cmocka_unit_test(test_match_prefix_literal_ignores_case),
      cmocka_unit_test(test_match_prefix_star_does_not_cross_slash),
      cmocka_unit_test(test_match_prefix_double_star_crosses_slash),
      cmocka_unit_test(test_match_prefix_star_is_greedy),
      cmocka_unit_test(test_match_prefix_question_mark_matches_one_byte),
      cmocka_unit_test(test_match_prefix_dollar_anchors_end),
      cmocka_unit_test(test_match_prefix_first_matching_alternative_wins),
      cmocka_unit_test(test_match_prefix_comma_also_separates_alternatives),
      cmocka_unit_test(test_match_prefix_empty_pattern_matches_nothing),
      cmocka_unit_test(test_match_prefix_uses_only_pattern_len_bytes),
      cmocka_unit_test(test_match_prefix_n_stays_within_str_len),
      cmocka_unit_test(test_match_prefix_long_pattern_matches),
      cmocka_unit_test(test_match_prefix_pathological_pattern_is_fast),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
