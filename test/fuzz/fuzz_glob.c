// Fuzzes the glob matcher: the input is split into a pattern and a string at
// the first NUL byte (or in half when there is none). Both are copied into
// buffers of exactly their size, so that any read past them is reported.
#include <stdlib.h>
#include <string.h>

#include "mongoose.h"

// Returns a malloc'd copy of n bytes, NUL-terminated when nul is set.
static char *fuzz_copy(const uint8_t *p, size_t n, int nul) {
  size_t sz = n + (nul ? 1 : 0);
  char *s = (char *) malloc(sz > 0 ? sz : 1);
  if (s == NULL) abort();
  if (n > 0) memcpy(s, p, n);
  if (nul) s[n] = '\0';
  return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *nul;
  size_t plen, skip, slen, n1, n2;
  char *pat, *str, *cstr;
  if (size > 65536) return 0;  // pattern_len is an int
  nul = (const uint8_t *) memchr(data, 0, size);
  plen = nul != NULL ? (size_t) (nul - data) : size / 2;
  skip = nul != NULL ? 1 : 0;
  slen = size - plen - skip;
  pat = fuzz_copy(data, plen, 0);
  str = fuzz_copy(data + plen + skip, slen, 0);
  cstr = fuzz_copy(data + plen + skip, slen, 1);
  n1 = mg_match_prefix_n(mg_mk_str_n(pat, plen), mg_mk_str_n(str, slen));
  n2 = mg_match_prefix(pat, (int) plen, cstr);
  // The match is a prefix of str; through the C-string API str ends at its
  // first NUL byte.
  if (n1 > slen || n2 > strlen(cstr)) abort();
  if (memchr(str, 0, slen) == NULL && n1 != n2) abort();
  free(pat);
  free(str);
  free(cstr);
  return 0;
}
