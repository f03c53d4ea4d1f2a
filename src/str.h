// struct mg_str: a length-delimited slice of bytes, and string helpers.
#pragma once
#include "arch.h"
#include "config.h"

// A slice of bytes. p is not NUL-terminated unless a function says so.
struct mg_str {
  const char *p;  // First byte
  size_t len;     // Number of bytes
};

#define MG_MK_STR(str_literal) \
  { str_literal, sizeof(str_literal) - 1 }
#define MG_MK_STR_N(str_literal, len) \
  { str_literal, len }
#define MG_NULL_STR \
  { NULL, 0 }

// Returns a slice over the NUL-terminated s (an empty slice for NULL).
struct mg_str mg_mk_str(const char *s);
// Returns a slice over the first len bytes of s.
struct mg_str mg_mk_str_n(const char *s, size_t len);

// Compares the slice with a NUL-terminated string, like strcmp().
int mg_vcmp(const struct mg_str *str2, const char *str1);
// Same as mg_vcmp(), ignoring ASCII case.
int mg_vcasecmp(const struct mg_str *str2, const char *str1);
// Returns a MG_MALLOC'd copy (p == NULL on failure or for an empty input).
struct mg_str mg_strdup(const struct mg_str s);
// Same, with a terminating NUL byte after the copy (not counted in len).
struct mg_str mg_strdup_nul(const struct mg_str s);
// Returns the first occurrence of byte c in s, or NULL.
const char *mg_strchr(const struct mg_str s, int c);
// strcmp() for slices: <0, 0 or >0.
int mg_strcmp(const struct mg_str str1, const struct mg_str str2);
// Compares at most n bytes.
int mg_strncmp(const struct mg_str str1, const struct mg_str str2, size_t n);
// strcmp() for slices ignoring ASCII case.
int mg_strcasecmp(const struct mg_str str1, const struct mg_str str2);
// Frees a slice returned by mg_strdup(), and empties it.
void mg_strfree(struct mg_str *s);
// Returns the first occurrence of needle in haystack, or NULL.
const char *mg_strstr(const struct mg_str haystack, const struct mg_str needle);
// Returns s without leading and trailing whitespace.
struct mg_str mg_strstrip(struct mg_str s);
// Returns 1 if s starts with prefix, 0 otherwise.
int mg_str_starts_with(struct mg_str s, struct mg_str prefix);

// Compares at most len bytes ignoring ASCII case, like strncasecmp().
int mg_ncasecmp(const char *s1, const char *s2, size_t len);
// Compares NUL-terminated strings ignoring ASCII case.
int mg_casecmp(const char *s1, const char *s2);

// Prints into *buf (of size bytes) if the result fits; otherwise allocates a
// large enough buffer with MG_MALLOC and stores it in *buf: the caller frees
// *buf when it differs from the buffer passed in. Returns the length printed
// (without the NUL), or -1 on allocation failure (*buf is then NULL).
int mg_asprintf(char **buf, size_t size, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
int mg_avprintf(char **buf, size_t size, const char *fmt, va_list ap);

// Iterates over a comma-separated list "a=1,b,c=2". Fills val with the
// entry and eq_val (may be NULL) with the part after '=': {NULL, 0} when the
// entry has no '=', an empty non-NULL slice for "c=". Returns the rest of the
// list, or NULL when the list is exhausted, so the idiom is
//   while ((list = mg_next_comma_list_entry(list, &v, &eq)) != NULL) {...}
const char *mg_next_comma_list_entry(const char *list, struct mg_str *val,
                                     struct mg_str *eq_val);
// Same for a slice; returns the rest (p == NULL when exhausted).
struct mg_str mg_next_comma_list_entry_n(struct mg_str list, struct mg_str *val,
                                         struct mg_str *eq_val);

// Matches a glob pattern against the start of str. Patterns: '?' any byte
// but '/', '*' any run without '/', '**' any run, '$' end of string, '|' or
// ',' between alternatives; other bytes match ignoring ASCII case. Returns
// the length of the longest prefix of str that the first matching
// alternative matches, 0 for no match (so a match of length 0 counts as no
// match). Runs in O(len(pattern) * len(str)) time: no exponential
// backtracking. pattern_len < 0 means strlen(pattern).
size_t mg_match_prefix(const char *pattern, int pattern_len, const char *str);
size_t mg_match_prefix_n(const struct mg_str pattern, const struct mg_str str);

// Returns the value (0-15) of the hexadecimal digit c, either case, or -1.
int mg_hex_digit_value(int c);
