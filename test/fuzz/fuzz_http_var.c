// Fuzzes mg_get_http_var(): the input is "name\nbuffer"; the variable is
// read into destinations of several sizes, each allocated to exactly that
// size, and the results must agree with each other and with the contract.
#include <stdlib.h>
#include <string.h>

#include "mongoose.h"

// Reads name into a dst of exactly dst_len bytes; checks the contract.
static int get_var(const struct mg_str *b, const char *name, size_t dst_len,
                   char *out) {
  char *dst = (char *) malloc(dst_len > 0 ? dst_len : 1);
  int r;
  if (dst == NULL) abort();
  r = mg_get_http_var(b, name, dst_len > 0 ? dst : NULL, dst_len);
  if (dst_len == 0) {
    if (r != -2) abort();
  } else if (r >= 0) {
    if ((size_t) r >= dst_len || (size_t) r > b->len || dst[r] != '\0') abort();
    if (out != NULL) memcpy(out, dst, (size_t) r + 1);
  } else if ((r != -1 && r != -3 && r != -4) || dst[0] != '\0') {
    abort();
  }
  free(dst);
  return r;
}

// What a dst of dst_len bytes gets, given the result with a large dst.
static int expected(int big, size_t dst_len) {
  if (big < 0) return big;  // Not found, bad escape: whatever the size
  return (size_t) big < dst_len ? big : -3;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const size_t sizes[] = {1, 2, 3, 8, 64};
  const uint8_t *nl = (const uint8_t *) memchr(data, '\n', size);
  size_t name_len = nl == NULL ? 0 : (size_t) (nl - data), i;
  char *name, *buf, *full;
  struct mg_str b;
  int big, r;
  if (nl == NULL || name_len > 64) return 0;
  name = (char *) malloc(name_len + 1);
  buf = (char *) malloc(size - name_len);
  full = (char *) malloc(size - name_len);
  if (name == NULL || buf == NULL || full == NULL) abort();
  memcpy(name, data, name_len);
  name[name_len] = '\0';
  memcpy(buf, nl + 1, size - name_len - 1);
  b = mg_mk_str_n(buf, size - name_len - 1);
  // A destination as large as the input always fits the decoded value, so
  // -3 then means a bad escape; -1 only comes from an empty name or input.
  big = get_var(&b, name, b.len + 1, full);
  if (big == -1 && name[0] != '\0' && b.len > 0) abort();
  for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    r = get_var(&b, name, sizes[i], NULL);
    if (r != expected(big, sizes[i])) abort();
  }
  get_var(&b, name, 0, NULL);
  free(name);
  free(buf);
  free(full);
  return 0;
}
