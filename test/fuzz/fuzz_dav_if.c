// Fuzzes the WebDAV If header parser (dav_if_parse in src/http_dav_lock.c,
// static: this target compiles mongoose.c in, with WebDAV on). The input
// is the header value, copied into a buffer of exactly its size. Every
// result is checked: at most DAV_MAX_CONDS conditions, each token and tag
// inside the input and free of its closing bracket, list numbers rising.
#define MG_ENABLE_HTTP_WEBDAV 1
#include "../../mongoose.c"  // First: it sets the feature-test macros

static int inside(struct mg_str s, const char *p, size_t n) {
  return s.len == 0 || (s.p >= p && s.p + s.len <= p + n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct dav_cond c[DAV_MAX_CONDS];
  char *h = (char *) malloc(size > 0 ? size : 1);
  int i, n;
  if (h == NULL) abort();
  if (size > 0) memcpy(h, data, size);
  n = dav_if_parse(mg_mk_str_n(h, size), c);
  if (n < -1 || n == 0 || n > DAV_MAX_CONDS) abort();
  for (i = 0; i < n; i++) {
    if (!inside(c[i].v, h, size) || !inside(c[i].tag, h, size)) abort();
    if (c[i].v.len > 0 &&
        memchr(c[i].v.p, c[i].is_etag ? ']' : '>', c[i].v.len)) {
      abort();
    }
    if (c[i].tag.len > 0 && memchr(c[i].tag.p, '>', c[i].tag.len)) abort();
    if (c[i].list < 1 || (i > 0 && c[i].list < c[i - 1].list)) abort();
  }
  free(h);
  return 0;
}
