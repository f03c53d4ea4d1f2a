#include "str.h"

// ASCII-only lower-casing: tolower() depends on the locale and is undefined
// for negative char values.
static int str_lower(int c) {
  return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

struct mg_str mg_mk_str(const char *s) {
  struct mg_str ret;
  ret.p = s;
  ret.len = s == NULL ? 0 : strlen(s);
  return ret;
}

struct mg_str mg_mk_str_n(const char *s, size_t len) {
  struct mg_str ret;
  ret.p = s;
  ret.len = len;
  return ret;
}

// Compares two byte ranges as unsigned bytes, then by length.
static int str_cmp_n(const char *a, size_t alen, const char *b, size_t blen,
                     int ignore_case) {
  size_t i, n = alen < blen ? alen : blen;
  for (i = 0; i < n; i++) {
    int ca = (unsigned char) a[i], cb = (unsigned char) b[i];
    if (ignore_case) ca = str_lower(ca), cb = str_lower(cb);
    if (ca != cb) return ca - cb;
  }
  if (alen == blen) return 0;
  return alen < blen ? -1 : 1;
}

int mg_vcmp(const struct mg_str *str2, const char *str1) {
  return str_cmp_n(str2->p, str2->len, str1, strlen(str1), 0);
}

int mg_vcasecmp(const struct mg_str *str2, const char *str1) {
  return str_cmp_n(str2->p, str2->len, str1, strlen(str1), 1);
}

static struct mg_str str_dup(const struct mg_str s, int nul_terminate) {
  struct mg_str r = {NULL, 0};
  char *copy;
  if (s.p == NULL || s.len == 0) return r;
  copy = (char *) MG_MALLOC(s.len + (nul_terminate ? 1 : 0));
  if (copy == NULL) return r;
  memcpy(copy, s.p, s.len);
  if (nul_terminate) copy[s.len] = '\0';
  r.p = copy;
  r.len = s.len;
  return r;
}

struct mg_str mg_strdup(const struct mg_str s) {
  return str_dup(s, 0);
}

struct mg_str mg_strdup_nul(const struct mg_str s) {
  return str_dup(s, 1);
}

const char *mg_strchr(const struct mg_str s, int c) {
  if (s.p == NULL || s.len == 0) return NULL;
  return (const char *) memchr(s.p, c, s.len);
}

int mg_strcmp(const struct mg_str str1, const struct mg_str str2) {
  return str_cmp_n(str1.p, str1.len, str2.p, str2.len, 0);
}

int mg_strncmp(const struct mg_str str1, const struct mg_str str2, size_t n) {
  size_t n1 = str1.len < n ? str1.len : n, n2 = str2.len < n ? str2.len : n;
  return str_cmp_n(str1.p, n1, str2.p, n2, 0);
}

int mg_strcasecmp(const struct mg_str str1, const struct mg_str str2) {
  return str_cmp_n(str1.p, str1.len, str2.p, str2.len, 1);
}

void mg_strfree(struct mg_str *s) {
  char *p = (char *) s->p;
  s->p = NULL;
  s->len = 0;
  if (p != NULL) MG_FREE(p);
}

const char *mg_strstr(const struct mg_str haystack,
                      const struct mg_str needle) {
  size_t i;
  if (needle.len == 0) return haystack.p;
  if (needle.len > haystack.len) return NULL;
  for (i = 0; i + needle.len <= haystack.len; i++) {
    if (memcmp(haystack.p + i, needle.p, needle.len) == 0) {
      return haystack.p + i;
    }
  }
  return NULL;
}

static int str_is_space(int c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
         c == '\f';
}

struct mg_str mg_strstrip(struct mg_str s) {
  while (s.len > 0 && str_is_space((unsigned char) s.p[0])) s.p++, s.len--;
  while (s.len > 0 && str_is_space((unsigned char) s.p[s.len - 1])) s.len--;
  return s;
}

int mg_str_starts_with(struct mg_str s, struct mg_str prefix) {
  if (prefix.len > s.len) return 0;
  if (prefix.len == 0) return 1;
  return memcmp(s.p, prefix.p, prefix.len) == 0;
}

int mg_ncasecmp(const char *s1, const char *s2, size_t len) {
  size_t i;
  for (i = 0; i < len; i++) {
    int a = str_lower((unsigned char) s1[i]);
    int b = str_lower((unsigned char) s2[i]);
    // Stop at the first difference, or at a NUL both strings share.
    if (a != b || a == '\0') return a - b;
  }
  return 0;
}

int mg_casecmp(const char *s1, const char *s2) {
  return mg_ncasecmp(s1, s2, (size_t) ~0);
}

int mg_avprintf(char **buf, size_t size, const char *fmt, va_list ap) {
  va_list ap_copy;
  int len;
  char *big;
  // ap may be walked twice (measure, then print), so each walk uses a copy.
  va_copy(ap_copy, ap);
  len = vsnprintf(*buf, *buf == NULL ? 0 : size, fmt, ap_copy);
  va_end(ap_copy);
  if (len < 0 || (*buf != NULL && (size_t) len < size)) return len;
  if ((big = (char *) MG_MALLOC((size_t) len + 1)) == NULL) {
    *buf = NULL;
    return -1;
  }
  va_copy(ap_copy, ap);
  len = vsnprintf(big, (size_t) len + 1, fmt, ap_copy);
  va_end(ap_copy);
  *buf = big;
  return len;
}

int mg_asprintf(char **buf, size_t size, const char *fmt, ...) {
  va_list ap;
  int len;
  va_start(ap, fmt);
  len = mg_avprintf(buf, size, fmt, ap);
  va_end(ap);
  return len;
}

struct mg_str mg_next_comma_list_entry_n(struct mg_str list, struct mg_str *val,
                                         struct mg_str *eq_val) {
  const char *comma, *eq;
  if (list.p == NULL || list.len == 0) return mg_mk_str_n(NULL, 0);
  *val = list;
  if ((comma = mg_strchr(list, ',')) != NULL) {
    val->len = (size_t) (comma - list.p);
    list.len -= val->len + 1;
    list.p = comma + 1;
  } else {
    // The last entry: the rest is empty but not NULL, so that the caller
    // sees this entry; the next call returns NULL.
    list.p += list.len;
    list.len = 0;
  }
  if (eq_val != NULL) {
    eq_val->p = NULL;
    eq_val->len = 0;
    if ((eq = mg_strchr(*val, '=')) != NULL) {
      eq_val->p = eq + 1;
      eq_val->len = (size_t) (val->p + val->len - eq_val->p);
      val->len = (size_t) (eq - val->p);
    }
  }
  return list;
}

const char *mg_next_comma_list_entry(const char *list, struct mg_str *val,
                                     struct mg_str *eq_val) {
  return mg_next_comma_list_entry_n(mg_mk_str(list), val, eq_val).p;
}

// The glob is run as an NFA over pattern positions: state i means "the
// pattern before byte i has matched the input so far". Each input byte moves
// the whole set of states at once, so the cost is O(pattern * input) and no
// pattern can cause exponential backtracking.

// Returns the number of pattern bytes the token at i spans ("**" is two).
static size_t str_glob_token_len(const struct mg_str pat, size_t i) {
  return pat.p[i] == '*' && i + 1 < pat.len && pat.p[i + 1] == '*' ? 2 : 1;
}

// Adds state i, and the states reachable from it without consuming input:
// a star may match nothing, and '$' matches when the input is at its end.
static void str_glob_add(const struct mg_str pat, size_t i, int at_end,
                         unsigned char *set) {
  while (i <= pat.len && !set[i]) {
    set[i] = 1;
    if (i == pat.len) break;
    if (pat.p[i] == '*') {
      i += str_glob_token_len(pat, i);
    } else if (pat.p[i] == '$' && at_end) {
      i++;
    } else {
      break;
    }
  }
}

// Moves every state in cur over input byte c into next.
static void str_glob_step(const struct mg_str pat, const unsigned char *cur,
                          unsigned char *next, int c, int at_end) {
  size_t i;
  memset(next, 0, pat.len + 1);
  for (i = 0; i < pat.len; i++) {
    int t = (unsigned char) pat.p[i];
    if (!cur[i]) continue;
    if (t == '*' && str_glob_token_len(pat, i) == 2) {
      str_glob_add(pat, i, at_end, next);  // "**" eats anything
    } else if (t == '*') {
      if (c != '/') str_glob_add(pat, i, at_end, next);
    } else if (t == '?') {
      if (c != '/') str_glob_add(pat, i + 1, at_end, next);
    } else if (t != '$' && str_lower(t) == str_lower(c)) {
      str_glob_add(pat, i + 1, at_end, next);
    }
  }
}

// Returns 1 if any state in set is active.
static int str_glob_any(const unsigned char *set, size_t n) {
  return memchr(set, 1, n) != NULL;
}

// Matches one alternative (no '|' inside). Returns the longest matched
// prefix length, 0 if none.
static size_t str_glob_one(const struct mg_str pat, const struct mg_str str) {
  unsigned char small[128], *cur, *next, *tmp, *mem = small;
  size_t j, best = 0;
  if (2 * (pat.len + 1) > sizeof(small)) {
    mem = (unsigned char *) MG_MALLOC(2 * (pat.len + 1));
    if (mem == NULL) return 0;
  }
  cur = mem, next = mem + pat.len + 1;
  memset(cur, 0, pat.len + 1);
  str_glob_add(pat, 0, str.len == 0, cur);
  for (j = 0; j < str.len && str_glob_any(cur, pat.len + 1); j++) {
    str_glob_step(pat, cur, next, (unsigned char) str.p[j], j + 1 == str.len);
    tmp = cur, cur = next, next = tmp;
    if (cur[pat.len]) best = j + 1;
  }
  if (mem != small) MG_FREE(mem);
  return best;
}

// Returns the first alternative separator in pat, or NULL. 6.x accepts ','
// as well as '|' between alternatives.
static const char *str_glob_next_alt(const struct mg_str pat) {
  size_t i;
  for (i = 0; i < pat.len; i++) {
    if (pat.p[i] == '|' || pat.p[i] == ',') return pat.p + i;
  }
  return NULL;
}

size_t mg_match_prefix_n(const struct mg_str pattern, const struct mg_str str) {
  struct mg_str alt = pattern, rest = {NULL, 0};
  const char *bar;
  size_t res;
  if (pattern.p == NULL || (str.p == NULL && str.len > 0)) return 0;
  for (;;) {
    if ((bar = str_glob_next_alt(alt)) != NULL) {
      rest.p = bar + 1;
      rest.len = (size_t) (alt.p + alt.len - rest.p);
      alt.len = (size_t) (bar - alt.p);
    }
    if ((res = str_glob_one(alt, str)) > 0 || bar == NULL) return res;
    alt = rest;
  }
}

size_t mg_match_prefix(const char *pattern, int pattern_len, const char *str) {
  struct mg_str pat, s = mg_mk_str(str);
  if (pattern == NULL) return 0;
  pat = mg_mk_str_n(pattern,
                    pattern_len < 0 ? strlen(pattern) : (size_t) pattern_len);
  return mg_match_prefix_n(pat, s);
}

int mg_hex_digit_value(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
