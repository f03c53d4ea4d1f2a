// Fuzzes mg_http_parse_header2() / mg_http_parse_header() on a header value
// taken from the input, with buffers of several sizes, and Basic auth
// decoding (mg_parse_http_basic_auth, and mg_get_http_basic_auth on a
// request built around the input). The first input byte picks the buffer
// sizes and the parameter name.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mongoose.h"

static const char *const s_names[] = {"name",  "filename", "nonce", "a",
                                      "realm", "username", "qop",   "x"};

// parse_header2 with a buffer of buf_size bytes, checked against
// parse_header on a buffer of the same size.
static void check_param(struct mg_str *hdr, const char *name, size_t size) {
  char small[32], fixed[32], *p = small;
  int n = mg_http_parse_header2(hdr, name, &p, size), m;
  if (n < 0 || (size_t) n > hdr->len || p == NULL) abort();
  if ((p != small || size > 0) && p[n] != '\0') abort();
  if (p != small && (size_t) n < size) abort();  // Grew for no reason
  m = mg_http_parse_header(hdr, name, fixed, size);
  if ((size_t) n < size) {
    if (m != n || memcmp(fixed, p, (size_t) n + 1) != 0) abort();
  } else if (m != 0 || (size > 0 && fixed[0] != '\0')) {
    abort();
  }
  if (p != small) free(p);
}

static void check_basic(struct mg_str *hdr, size_t ul, size_t pl) {
  char user[16], pass[16];
  int r = mg_parse_http_basic_auth(hdr, user, ul, pass, pl);
  if (r != 0 && r != -1) abort();
  if (ul == 0 || pl == 0) {
    if (r != -1) abort();
    return;
  }
  if (r == 0 && (strlen(user) >= ul || strlen(pass) >= pl)) abort();
  if (r == 0 && user[0] == '\0') abort();  // An empty user is refused
  if (r == -1 && (user[0] != '\0' || pass[0] != '\0')) abort();
}

// Builds a request with "Authorization: Basic <input>" and decodes it.
static void check_request(const char *s, size_t n) {
  static const char pre[] = "GET / HTTP/1.1\r\nHost: h\r\nAuthorization: ";
  size_t len = sizeof(pre) - 1 + n + 4;
  char *req = (char *) malloc(len), user[16], pass[16];
  struct http_message hm;
  int status;
  if (req == NULL) abort();
  memcpy(req, pre, sizeof(pre) - 1);
  memcpy(req + sizeof(pre) - 1, s, n);
  memcpy(req + len - 4, "\r\n\r\n", 4);
  if (mg_http_parse(req, len, &hm, 1, &status) > 0 &&
      mg_get_http_basic_auth(&hm, user, sizeof(user), pass, sizeof(pass)) ==
          0 &&
      (strlen(user) >= sizeof(user) || strlen(pass) >= sizeof(pass))) {
    abort();
  }
  free(req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct mg_str hdr;
  char *buf;
  size_t sel, i;
  if (size == 0) return 0;
  sel = data[0];
  // Copied so that a read past size hits the end of the allocation.
  if ((buf = (char *) malloc(size)) == NULL) abort();
  memcpy(buf, data + 1, size - 1);
  hdr = mg_mk_str_n(buf, size - 1);
  for (i = 0; i < 4; i++) {
    check_param(&hdr, s_names[(sel + i) % 8], (sel >> 3) % 32);
  }
  check_param(&hdr, s_names[sel % 8], 0);
  check_param(&hdr, s_names[sel % 8], 32);
  check_basic(&hdr, (sel & 15) + 1, ((sel >> 4) & 15) + 1);
  check_basic(&hdr, 16, 16);
  check_basic(&hdr, 0, 16);
  check_request(buf, size - 1);
  free(buf);
  return 0;
}
