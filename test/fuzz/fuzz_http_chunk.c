// Fuzzes mg_http_parse_chunk(): walks the input as a chunked body, checking
// that each result is -1, 0 or a length within the input, that the data lies
// inside the chunk and is followed by CRLF, and that a proper prefix of a
// complete chunk needs more bytes.
#include <stdlib.h>
#include <string.h>

#include "mongoose.h"

// Checks one chunk at s (n bytes). Returns its length, or <= 0.
static int check_chunk(const char *s, size_t n) {
  size_t off = 7, len = 7, off2, len2;
  int r = mg_http_parse_chunk(s, n, &off, &len);
  if (r < -1 || (r > 0 && (size_t) r > n)) abort();
  if (r <= 0) return r;
  if (off < 2 || off > (size_t) r || len > (size_t) r - off) abort();
  if (len > 0 && ((size_t) r != off + len + 2 || s[off + len] != '\r' ||
                  s[off + len + 1] != '\n'))
    abort();
  if (len == 0 && memcmp(s + r - 2, "\r\n", 2) != 0) abort();
  // Proper prefixes of a complete chunk are incomplete, not malformed.
  if (mg_http_parse_chunk(s, (size_t) r - 1, &off2, &len2) != 0) abort();
  if (mg_http_parse_chunk(s, (size_t) r / 2, &off2, &len2) != 0) abort();
  return len == 0 ? 0 : r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // Copied so that a read past size hits the end of the allocation.
  char *buf = (char *) malloc(size > 0 ? size : 1);
  size_t pos = 0;
  int r;
  if (buf == NULL) abort();
  if (size > 0) memcpy(buf, data, size);
  while ((r = check_chunk(buf + pos, size - pos)) > 0) pos += (size_t) r;
  free(buf);
  return 0;
}
