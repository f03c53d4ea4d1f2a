// Fuzzes mg_parse_uri, mg_assemble_uri and mg_normalize_uri_path, and checks
// two properties on top of "no crash": parsing the assembled URI gives the
// same parts back, and normalizing is idempotent.
#include "mongoose.h"

static int fuzz_same(struct mg_str a, struct mg_str b) {
  return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

// Reassembles the parts and parses the result again: a URI that does not
// survive the round trip means assembly and parsing disagree.
static void fuzz_round_trip(struct mg_str *parts, unsigned int port) {
  struct mg_str uri, again[6];
  unsigned int port2 = 0;
  int i;
  if (mg_assemble_uri(&parts[0], &parts[1], &parts[2], port, &parts[3],
                      &parts[4], &parts[5], 0, &uri) != 0) {
    abort();  // Only normalization or malloc can fail, and we ask for none.
  }
  if (mg_parse_uri(uri, &again[0], &again[1], &again[2], &port2, &again[3],
                   &again[4], &again[5]) != 0 ||
      port2 != port) {
    abort();
  }
  for (i = 0; i < 6; i++) {
    if (!fuzz_same(parts[i], again[i])) abort();
  }
  free((void *) uri.p);
}

// A normalized path has no empty, "." or ".." segment (a trailing '/' ends
// the last segment rather than starting an empty one).
static int fuzz_is_normal(const char *p, size_t len) {
  size_t i = 1, e;
  while (i < len) {
    for (e = i; e < len && p[e] != '/'; e++) {
    }
    if (e == i) return 0;
    if (e - i == 1 && p[i] == '.') return 0;
    if (e - i == 2 && p[i] == '.' && p[i + 1] == '.') return 0;
    i = e + 1;
  }
  return 1;
}

static void fuzz_normalize(const uint8_t *data, size_t size) {
  char *buf = (char *) malloc(size + 1);
  struct mg_str s, again;
  if (buf == NULL) return;
  memcpy(buf, data, size);
  s.p = buf;
  s.len = size;
  if (mg_normalize_uri_path(&s, &s) == 1) {
    if (s.len > size || s.len == 0 || buf[0] != '/') abort();
    if (!fuzz_is_normal(buf, s.len)) abort();
    again = s;
    if (mg_normalize_uri_path(&again, &again) != 1 || again.len != s.len) {
      abort();
    }
  }
  free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct mg_str uri, parts[6], out;
  unsigned int port = 0;
  uri.p = (const char *) data;
  uri.len = size;
  if (mg_parse_uri(uri, &parts[0], &parts[1], &parts[2], &port, &parts[3],
                   &parts[4], &parts[5]) == 0) {
    if (port > 65535) abort();
    fuzz_round_trip(parts, port);
    if (mg_assemble_uri(&parts[0], &parts[1], &parts[2], port, &parts[3],
                        &parts[4], &parts[5], 1, &out) == 0) {
      free((void *) out.p);
    }
  }
  fuzz_normalize(data, size);
  return 0;
}
