// Fuzzes the Range header parser and the multipart/byteranges sizes
// (src/http_range.c, internal: this target compiles mongoose.c in). The
// first 8 bytes are the file size (big-endian, capped at 2^40), the rest is
// the header value, copied into a buffer of exactly its size. Every result
// is checked: ranges inside the file, non-empty, none overlapping or
// touching another, no more than MG_MAX_HTTP_RANGES, and the multipart
// body no larger than the file plus the part headers.
#include "../../mongoose.c"  // First: it sets the feature-test macros

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct mg_http_range r[MG_MAX_HTTP_RANGES];
  struct mg_http_multirange *m;
  uint64_t usize = 0;
  int64_t fsize, sum = 0;
  char *hdr;
  int i, j, n;
  if (size < 8) return 0;
  for (i = 0; i < 8; i++) usize = (usize << 8) | data[i];
  fsize = (int64_t) (usize & (((uint64_t) 1 << 40) - 1));
  hdr = (char *) malloc(size - 8 > 0 ? size - 8 : 1);
  if (hdr == NULL) abort();
  if (size > 8) memcpy(hdr, data + 8, size - 8);
  n = mg_http_parse_ranges(mg_mk_str_n(hdr, size - 8), fsize, r);
  if (n < -1 || n > MG_MAX_HTTP_RANGES) abort();
  for (i = 0; i < n; i++) {
    if (r[i].start < 0 || r[i].len <= 0 || r[i].start + r[i].len > fsize) {
      abort();
    }
    for (j = 0; j < i; j++) {
      if (r[j].start <= r[i].start + r[i].len &&
          r[i].start <= r[j].start + r[j].len) {
        abort();  // Overlapping or touching: should have been merged
      }
    }
    sum += r[i].len;
  }
  if (sum > fsize) abort();
  if (n > 1) {
    m = mg_http_multirange_new(r, n, fsize, mg_mk_str("text/plain"), "\"e\"");
    if (m == NULL) abort();
    if (mg_http_multirange_length(m) < sum ||
        mg_http_multirange_length(m) > sum + 200 * (n + 1)) {
      abort();
    }
    MG_FREE(m);
  }
  free(hdr);
  return 0;
}
