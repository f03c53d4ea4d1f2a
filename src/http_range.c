#include "http_internal.h"

// Byte ranges (RFC 9110 14): parsing a Range header into a short list of
// satisfiable ranges, and the multipart/byteranges body (RFC 9110 14.6)
// that answers more than one of them, produced part by part as the file is
// streamed (http_file.c).
//
// - At most MG_MAX_HTTP_RANGES range specs: a longer list is ignored (the
//   whole file, 200), so a client cannot make one request cost thousands of
//   parts.
// - Overlapping and adjacent ranges are merged, so no byte is sent twice
//   and the body is never larger than the file plus the part headers; the
//   parts keep the order in which the client asked for them.

#if MG_ENABLE_HTTP && MG_ENABLE_FILESYSTEM

// Parses 1 to 18 decimal digits (so no overflow) into *v.
static int range_num(struct mg_str s, int64_t *v) {
  size_t i;
  if (s.len == 0 || s.len > 18) return 0;
  for (*v = 0, i = 0; i < s.len; i++) {
    if (!isdigit((unsigned char) s.p[i])) return 0;
    *v = *v * 10 + (s.p[i] - '0');
  }
  return 1;
}

// One range spec ("a-b", "a-", "-n") of a file of size bytes. Returns 1
// with *r set, 0 if unsatisfiable, -1 if malformed.
static int range_spec(struct mg_str spec, int64_t size,
                      struct mg_http_range *r) {
  const char *dash = mg_strchr(spec, '-');
  struct mg_str first, last;
  int64_t a, b;
  if (dash == NULL) return -1;
  first = mg_strstrip(mg_mk_str_n(spec.p, (size_t) (dash - spec.p)));
  last = mg_strstrip(
      mg_mk_str_n(dash + 1, (size_t) (spec.p + spec.len - dash - 1)));
  if (first.len == 0) {  // "-n": the last n bytes.
    if (!range_num(last, &b)) return -1;
    if (b == 0 || size == 0) return 0;
    r->start = b > size ? 0 : size - b;
    r->len = size - r->start;
    return 1;
  }
  if (!range_num(first, &a)) return -1;
  if (last.len == 0) {
    b = size - 1;
  } else if (!range_num(last, &b) || b < a) {
    return -1;
  }
  if (a >= size) return 0;
  if (b >= size) b = size - 1;
  r->start = a;
  r->len = b - a + 1;
  return 1;
}

// Merges overlapping or adjacent ranges into the earlier one. Returns the
// new count.
static int range_coalesce(struct mg_http_range *r, int n) {
  int i, j, merged = 1;
  int64_t end;
  while (merged) {
    merged = 0;
    for (i = 0; i < n && !merged; i++) {
      for (j = i + 1; j < n && !merged; j++) {
        if (r[j].start > r[i].start + r[i].len ||
            r[i].start > r[j].start + r[j].len) {
          continue;
        }
        end = r[i].start + r[i].len;
        if (r[j].start + r[j].len > end) end = r[j].start + r[j].len;
        if (r[j].start < r[i].start) r[i].start = r[j].start;
        r[i].len = end - r[i].start;
        memmove(&r[j], &r[j + 1], (size_t) (n - j - 1) * sizeof(r[0]));
        n--;
        merged = 1;
      }
    }
  }
  return n;
}

int mg_http_parse_ranges(struct mg_str hdr, int64_t size,
                         struct mg_http_range *r) {
  struct mg_str spec, rest;
  const char *comma;
  int n = 0, specs = 0, res;
  hdr = mg_strstrip(hdr);
  if (hdr.len < 6 || mg_ncasecmp(hdr.p, "bytes=", 6) != 0) return -1;
  rest = mg_mk_str_n(hdr.p + 6, hdr.len - 6);
  for (;;) {
    comma = mg_strchr(rest, ',');
    spec = mg_mk_str_n(rest.p,
                       comma == NULL ? rest.len : (size_t) (comma - rest.p));
    spec = mg_strstrip(spec);
    // RFC 9110 5.6.1: empty list elements are allowed and not counted.
    if (spec.len > 0) {
      if (++specs > MG_MAX_HTTP_RANGES) return -1;
      if ((res = range_spec(spec, size, &r[n])) < 0) return -1;
      n += res;
    }
    if (comma == NULL) break;
    rest = mg_mk_str_n(comma + 1, (size_t) (rest.p + rest.len - comma - 1));
  }
  if (specs == 0) return -1;
  return range_coalesce(r, n);
}

// The part header before range i, or the closing delimiter for i == n.
static int range_part_head(const struct mg_http_multirange *m, int i, char *buf,
                           size_t len) {
  if (i >= m->n) return snprintf(buf, len, "\r\n--%s--\r\n", m->boundary);
  return snprintf(buf, len,
                  "\r\n--%s\r\nContent-Type: %s\r\n"
                  "Content-Range: bytes %lld-%lld/%lld\r\n\r\n",
                  m->boundary, m->mime, (long long) m->r[i].start,
                  (long long) (m->r[i].start + m->r[i].len - 1),
                  (long long) m->size);
}

struct mg_http_multirange *mg_http_multirange_new(const struct mg_http_range *r,
                                                  int n, int64_t size,
                                                  struct mg_str mime,
                                                  const char *tag) {
  struct mg_http_multirange *m =
      (struct mg_http_multirange *) MG_CALLOC(1, sizeof(*m) + mime.len + 1);
  unsigned long h = 5381;
  const char *p;
  if (m == NULL) return NULL;
  memcpy(m->r, r, (size_t) n * sizeof(r[0]));
  m->n = n;
  m->size = size;
  m->mime = (char *) (m + 1);
  memcpy(m->mime, mime.p, mime.len);
  // The boundary must not occur in the body: a file's own ETag hashed with
  // the clock makes that as unlikely as a fixed 20-character string can.
  for (p = tag; *p != '\0'; p++) h = h * 33 + (unsigned char) *p;
  snprintf(m->boundary, sizeof(m->boundary), "mg%08lx%08lx",
           (unsigned long) (h & 0xffffffffUL),
           (unsigned long) ((unsigned long) (mg_time() * 1e6) & 0xffffffffUL));
  return m;
}

int64_t mg_http_multirange_length(const struct mg_http_multirange *m) {
  int64_t total = 0;
  char buf[512];
  int i, k;
  for (i = 0; i <= m->n; i++) {
    k = range_part_head(m, i, buf, sizeof(buf));
    total += k > 0 ? k : 0;
    if (i < m->n) total += m->r[i].len;
  }
  return total;
}

int mg_http_multirange_next(struct mg_connection *nc,
                            struct mg_http_file_state *fs) {
  struct mg_http_multirange *m = fs->multi;
  int i = m->cur, k;
  char small[512], *buf = small;
  if (i > m->n) return 0;
  k = range_part_head(m, i, small, sizeof(small));
  if (k < 0) return -1;
  if ((size_t) k >= sizeof(small)) {  // A long custom MIME type
    if ((buf = (char *) MG_MALLOC((size_t) k + 1)) == NULL) return -1;
    range_part_head(m, i, buf, (size_t) k + 1);
  }
  mg_send(nc, buf, k);
  if (buf != small) MG_FREE(buf);
  m->cur++;
  if (i == m->n) return 0;
  if (fseeko(fs->fp, (off_t) m->r[i].start, SEEK_SET) != 0) return -1;
  fs->remaining = m->r[i].len;
  return 1;
}

#endif  // MG_ENABLE_HTTP && MG_ENABLE_FILESYSTEM
