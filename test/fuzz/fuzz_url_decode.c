// Fuzzes mg_url_decode() with destinations of several sizes, each allocated
// to exactly that size, and checks that what mg_url_encode() produces
// decodes back to the input.
#include <stdlib.h>
#include <string.h>

#include "mongoose.h"

// Decodes src into a dst of exactly dst_len bytes and checks the contract.
static void fuzz_decode(const char *src, int len, int dst_len, int form) {
  char *dst = (char *) malloc(dst_len > 0 ? (size_t) dst_len : 1);
  int n;
  if (dst == NULL) abort();
  n = mg_url_decode(src, len, dst, dst_len, form);
  if (n < -1 || n > len || (n >= 0 && (n >= dst_len || dst[n] != '\0'))) {
    abort();
  }
  free(dst);
}

// encode then decode must give back the original bytes.
static void fuzz_round_trip(const char *src, int len) {
  struct mg_str enc = mg_url_encode(mg_mk_str_n(src, (size_t) len));
  char *dec = (char *) malloc((size_t) len + 1);
  if (enc.p == NULL || dec == NULL) abort();
  if (mg_url_decode(enc.p, (int) enc.len, dec, len + 1, 0) != len ||
      memcmp(dec, src, (size_t) len) != 0) {
    abort();
  }
  free(dec);
  mg_strfree(&enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *src;
  int len = size > 100000 ? 100000 : (int) size;
  // Copied so that reads past src_len hit the end of the allocation.
  if ((src = (char *) malloc(len > 0 ? (size_t) len : 1)) == NULL) abort();
  if (len > 0) memcpy(src, data, (size_t) len);
  fuzz_decode(src, len, len + 1, 0);
  fuzz_decode(src, len, len + 1, 1);
  fuzz_decode(src, len, len / 2, 1);
  fuzz_decode(src, len, 1, 0);
  fuzz_decode(src, len, 0, 0);
  fuzz_round_trip(src, len);
  free(src);
  return 0;
}
