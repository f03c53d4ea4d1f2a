// Fuzzes mg_http_parse() on requests: the result is -1 (with one of the
// documented statuses), 0, or a head length within the input; every slice
// of hm lies inside the input; a proper prefix of a complete head needs
// more bytes; mg_parse_http() agrees.
#include <stdlib.h>
#include <string.h>

#include "mongoose.h"

// Aborts unless s is empty or lies inside [b, b + n).
static void check_inside(struct mg_str s, const char *b, size_t n) {
  if (s.len == 0) return;
  if (s.p < b || s.p > b + n || s.len > (size_t) (b + n - s.p)) abort();
}

static void check_status(int r, int status) {
  if (r >= 0 && status != 0) abort();
  if (r < 0 && status != 400 && status != 413 && status != 414 &&
      status != 431 && status != 501 && status != 505) {
    abort();
  }
}

static void check_message(const struct http_message *hm, const char *b,
                          size_t n, int r) {
  int i;
  check_inside(hm->method, b, n);
  check_inside(hm->uri, b, n);
  // "HTTP/1.x" with a minor version above 1 reads as "HTTP/1.1" (RFC 9110
  // 2.5), a constant string outside the input.
  if (hm->proto.len > 0 && (hm->proto.p < b || hm->proto.p >= b + n)) {
    if (mg_vcmp(&hm->proto, "HTTP/1.1") != 0) abort();
  } else {
    check_inside(hm->proto, b, n);
  }
  check_inside(hm->query_string, b, n);
  check_inside(hm->resp_status_msg, b, n);
  for (i = 0; i < MG_MAX_HTTP_HEADERS; i++) {
    check_inside(hm->header_names[i], b, n);
    check_inside(hm->header_values[i], b, n);
    // Headers are stored in order, without holes.
    if (i > 0 && hm->header_names[i].len > 0 &&
        hm->header_names[i - 1].len == 0) {
      abort();
    }
  }
  if (r <= 0) return;
  if (hm->body.p != b + r || hm->message.p < b || hm->message.p > hm->body.p)
    abort();
  if (hm->method.len == 0 || hm->proto.len != 8) abort();
  if (hm->body.len != (size_t) -1 &&
      hm->message.len != (size_t) (hm->body.p - hm->message.p) + hm->body.len)
    abort();
}

// Looks up a few headers: a result must be one of hm's values.
static void check_lookups(struct http_message *hm, const char *b, size_t n) {
  static const char *const names[] = {"Host", "content-length", "X", ""};
  struct mg_str *v;
  size_t i;
  for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    v = mg_get_http_header(hm, names[i]);
    if (v == NULL) continue;
    if (v < hm->header_values || v >= hm->header_values + MG_MAX_HTTP_HEADERS)
      abort();
    check_inside(*v, b, n);
  }
}

static void fuzz_one(const char *buf, size_t n, int is_req) {
  struct http_message hm;
  int status, r = mg_http_parse(buf, n, &hm, is_req, &status);
  if (r < -1 || (r > 0 && (size_t) r > n)) abort();
  check_status(r, status);
  check_message(&hm, buf, n, r);
  if (r > 0) {
    if (mg_http_parse(buf, (size_t) r - 1, &hm, is_req, &status) != 0) abort();
    if (mg_http_parse(buf, (size_t) r, &hm, is_req, &status) != r) abort();
  }
  if (n < 100000 && mg_parse_http(buf, (int) n, &hm, is_req) != r) abort();
  if (r > 0) check_lookups(&hm, buf, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // Copied so that a read past size hits the end of the allocation.
  char *buf = (char *) malloc(size > 0 ? size : 1);
  if (buf == NULL) abort();
  if (size > 0) memcpy(buf, data, size);
  fuzz_one(buf, size, 1);
  free(buf);
  return 0;
}
