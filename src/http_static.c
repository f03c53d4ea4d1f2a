#include "internal.h"

// Static files: mg_http_serve_file() (ETag, Last-Modified, conditional
// requests, one byte range, HEAD) and mg_serve_http() (document root, IP
// ACL, rewrites, path safety, hidden files, digest auth, index files,
// directory listings, MIME types, pre-compressed .gz siblings).
//
// Decisions worth knowing:
// - Every path-safety refusal answers 404, never 403: NUL, a backslash, an
//   encoded '/' or '\' (%2f, %5c) in the raw URI, '..' that climbs above
//   the root, a symlink that resolves outside the root, a hidden file, the
//   per-directory auth file. A 404 does not tell the client what exists.
//   A malformed %-escape is a 400. Files that are neither regular nor
//   directories (FIFOs, devices) and unreadable files are 403.
// - Several byte ranges ("bytes=0-1,5-6") are answered with the whole file
//   (200): RFC 9110 lets a server ignore Range.
// - extra_headers go into every response mg_serve_http() sends, except
//   the 401 challenge (mg_http_send_digest_auth_request() takes none) and
//   500s for lack of memory.
// - hidden_file_pattern is matched (whole name, any alternative) against
//   every component of the path, not only the last one.
// - Per-directory auth: the auth file of the nearest directory, from the
//   requested one up to the root, decides, so it protects a subtree. A
//   global_auth_file that does not exist refuses every request.
// - OPTIONS answers 200 with Allow for any path, existing or not.
// - Listings: directories first, then names in byte order; sent in one
//   piece with a Content-Length (HEAD gets the same length).
// - A FILE.gz sibling is used only when FILE itself exists.
// - Symlinks: a regular file is opened first and the check is made on the
//   file actually opened (its /proc/self/fd link on Linux, realpath()
//   elsewhere), so a rename between check and open cannot slip a file
//   from outside in. The document root's real path is cached (up to a
//   second; a path that seems outside is checked again against the root
//   resolved anew before it is refused).
// - Files below HTTP_SENDFILE_MIN are read into send_mbuf with one pread();
//   larger ones are streamed or go out with sendfile().

#if MG_ENABLE_HTTP && MG_ENABLE_FILESYSTEM

// send_mbuf is topped up with file data to this many bytes. The default
// MG_MAX_HTTP_SEND_MBUF (4 KiB) alone would cost one poll round per 4 KiB;
// 64 KiB keeps a fast socket busy while memory stays flat and bounded
// (20 clients downloading a large file queue at most ~1.3 MB in all).
#define HTTP_FILE_QUEUE_MAX \
  (MG_MAX_HTTP_SEND_MBUF > 65536 ? MG_MAX_HTTP_SEND_MBUF : 65536)

#ifdef PATH_MAX
#define HTTP_STATIC_PATH_MAX PATH_MAX
#else
#define HTTP_STATIC_PATH_MAX 4096
#endif

// ---- Streaming the body ----------------------------------------------------

void mg_http_free_file_state(struct mg_http_file_state *fs) {
  if (fs == NULL) return;
  if (fs->fp != NULL) fclose(fs->fp);
  memset(fs, 0, sizeof(*fs));
}

// Reads up to want bytes of fp straight into the free end of send_mbuf.
// Returns the number of bytes read (short on EOF, error or no memory).
static size_t static_read_piece(struct mg_connection *nc, FILE *fp,
                                size_t want) {
  struct mbuf *m = &nc->send_mbuf;
  size_t n;
  if (m->size < m->len + want) mbuf_resize(m, m->len + want);
  if (m->size < m->len + want) return 0;
  n = mg_fread(m->buf + m->len, 1, want, fp);
  m->len += n;
  return n;
}

// Files from this size on go out with sendfile() where the iface allows.
#ifndef HTTP_SENDFILE_MIN
#define HTTP_SENDFILE_MIN 16384
#endif

// Sends the file with sendfile() once the head has left send_mbuf.
// Returns 0 if sendfile cannot be used (the caller reads instead).
static int static_sendfile(struct mg_connection *nc,
                           struct mg_http_proto_data *pd) {
  struct mg_http_file_state *fs = &pd->file;
  long n;
  if (fs->mode == 0) {
    fs->mode = fs->remaining >= HTTP_SENDFILE_MIN ? 2 : 1;
    fs->offset = (int64_t) ftello(fs->fp);
    if (fs->offset < 0) fs->mode = 1;
  }
  if (fs->mode != 2) return 0;
  nc->flags |= MG_F_SENDFILE;
  if (nc->send_mbuf.len > 0) return 1;  // The head goes first
  n = mg_conn_sendfile(nc, fileno(fs->fp), &fs->offset, (size_t) fs->remaining);
  if (n == -2) {
    // Not a plain socket: read from where sendfile would have started.
    nc->flags &= ~(unsigned long) MG_F_SENDFILE;
    fs->mode = 1;
    if (fseeko(fs->fp, (off_t) fs->offset, SEEK_SET) == 0) return 0;
    n = -1;
  }
  if (n > 0) {
    fs->remaining -= n;
    nc->last_io_time = (time_t) mg_time();
  }
  if (n < 0 || fs->remaining <= 0) {
    if (n < 0) nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    nc->flags &= ~(unsigned long) MG_F_SENDFILE;
    mg_http_free_file_state(fs);
  }
  return 1;
}

void mg_http_transfer_file_data(struct mg_connection *nc) {
  struct mg_http_proto_data *pd =
      (struct mg_http_proto_data *) nc->proto_data;
  size_t want, n;
  int failed = 0;
  if (pd == NULL || pd->file.fp == NULL) return;
  if (static_sendfile(nc, pd)) return;
  while (pd->file.remaining > 0 && nc->send_mbuf.len < HTTP_FILE_QUEUE_MAX) {
    want = HTTP_FILE_QUEUE_MAX - nc->send_mbuf.len;
    if ((int64_t) want > pd->file.remaining) {
      want = (size_t) pd->file.remaining;
    }
    n = static_read_piece(nc, pd->file.fp, want);
    pd->file.remaining -= (int64_t) n;
    nc->last_io_time = (time_t) mg_time();
    if (n < want) {
      failed = 1;
      break;
    }
  }
  if (failed) {
    // The file shrank, could not be read, or memory ran out: the promised
    // Content-Length cannot be met, so the response ends with the link.
    MG_ERROR(("%p file read failed, %lld bytes short", (void *) nc,
              (long long) pd->file.remaining));
    nc->flags |= MG_F_SEND_AND_CLOSE;
  }
  if (failed || pd->file.remaining <= 0) mg_http_free_file_state(&pd->file);
}

// ---- Output buffers --------------------------------------------------------

// A growing buffer that remembers whether any append failed.
struct static_out {
  struct mbuf m;
  int failed;
};

static void static_out_add(struct static_out *o, const char *p, size_t n) {
  if (n > 0 && mbuf_append(&o->m, p, n) != n) o->failed = 1;
}

static void static_out_vprintf(struct static_out *o, const char *fmt,
                               va_list ap) {
  char mem[256], *buf = mem;
  int len = mg_avprintf(&buf, sizeof(mem), fmt, ap);
  if (len < 0) o->failed = 1;
  if (len > 0) static_out_add(o, buf, (size_t) len);
  if (buf != mem) MG_FREE(buf);
}

static void static_out_printf(struct static_out *o, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void static_out_printf(struct static_out *o, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  static_out_vprintf(o, fmt, ap);
  va_end(ap);
}

// Adds a header line to a header block: lines separated by CRLF, no CRLF at
// the end, as mg_send_response_line() wants them.
static void static_hdr(struct static_out *o, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void static_hdr(struct static_out *o, const char *fmt, ...) {
  va_list ap;
  size_t before = o->m.len, mid;
  if (before > 0) static_out_add(o, "\r\n", 2);
  mid = o->m.len;
  va_start(ap, fmt);
  static_out_vprintf(o, fmt, ap);
  va_end(ap);
  if (o->m.len == mid) o->m.len = before;  // Nothing was added.
}

// Adds a header block given as "K: V\r\n..." (trailing CRLF optional).
static void static_hdr_block(struct static_out *o, struct mg_str block) {
  block = mg_strstrip(block);
  if (block.len > 0) static_hdr(o, "%.*s", (int) block.len, block.p);
}

// NUL-terminates the buffer; returns it, or NULL if an append failed.
static const char *static_out_str(struct static_out *o) {
  static_out_add(o, "", 1);
  if (o->failed) return NULL;
  o->m.len--;
  return o->m.buf;
}

// Sends status, the headers in h (may be NULL) and body (may be NULL:
// Content-Length 0). A HEAD request gets no body. Frees h.
static void static_send(struct mg_connection *nc, struct http_message *hm,
                        int code, struct static_out *h, struct mg_str body) {
  const char *hdrs = h == NULL ? "" : static_out_str(h);
  if (hdrs == NULL) {
    mg_http_send_error(nc, 500, NULL);
  } else {
    mg_send_head(nc, code, (int64_t) body.len, hdrs);
    if (mg_vcmp(&hm->method, "HEAD") != 0) mg_send(nc, body.p, (int) body.len);
  }
  if (h != NULL) mbuf_free(&h->m);
}

// Sends a short text/plain response with the extra headers.
static void static_send_text(struct mg_connection *nc,
                             struct http_message *hm, int code,
                             struct mg_str extra, const char *more_hdr,
                             const char *text) {
  struct static_out h;
  memset(&h, 0, sizeof(h));
  if (text == NULL) text = mg_http_status_message(code);
  static_hdr(&h, "Content-Type: text/plain; charset=utf-8");
  if (more_hdr != NULL) static_hdr(&h, "%s", more_hdr);
  static_hdr_block(&h, extra);
  static_send(nc, hm, code, &h, mg_mk_str(text));
}

// ---- Dates and validators --------------------------------------------------

static const char *s_static_days[] = {"Sun", "Mon", "Tue", "Wed",
                                      "Thu", "Fri", "Sat"};
static const char *s_static_months[] = {"Jan", "Feb", "Mar", "Apr",
                                        "May", "Jun", "Jul", "Aug",
                                        "Sep", "Oct", "Nov", "Dec"};

// Formats t as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), with
// fixed English names whatever the C locale.
static void http_format_date(char *buf, size_t len, time_t t) {
  struct tm tm;
  memset(&tm, 0, sizeof(tm));
  gmtime_r(&t, &tm);
  snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d GMT",
           s_static_days[(unsigned) tm.tm_wday % 7], tm.tm_mday,
           s_static_months[(unsigned) tm.tm_mon % 12], tm.tm_year + 1900,
           tm.tm_hour, tm.tm_min, tm.tm_sec);
}

// Returns the value of the n decimal digits at s (already checked).
static int http_digits(const char *s, int n) {
  int v = 0;
  while (n-- > 0) v = v * 10 + (*s++ - '0');
  return v;
}

// Leap years before year y (counting from year 1).
static long http_leaps_before(int y) {
  return (long) ((y - 1) / 4 - (y - 1) / 100 + (y - 1) / 400);
}

// Returns the index of the 3-letter name at s in names, or -1.
static int http_name_index(const char *s, const char **names, int n) {
  int i;
  for (i = 0; i < n; i++) {
    if (memcmp(s, names[i], 3) == 0) return i;
  }
  return -1;
}

// Parses an IMF-fixdate. Returns 1 and sets *t, or 0 for anything else
// (obsolete RFC 850 and asctime forms included): the caller then ignores
// the header, which RFC 9110 allows for an invalid date.
static int http_parse_date(struct mg_str s, time_t *t) {
  static const char *tpl = "aaa, 00 aaa 0000 00:00:00 GMT";
  static const int cum[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273,
                            304, 334};
  const char *p;
  int i, mon, year, leap;
  long days;
  s = mg_strstrip(s);
  p = s.p;
  if (s.len != 29) return 0;
  for (i = 0; i < 29; i++) {
    if (tpl[i] == '0' ? !isdigit((unsigned char) p[i])
                      : tpl[i] != 'a' && tpl[i] != p[i]) {
      return 0;
    }
  }
  mon = http_name_index(p + 8, s_static_months, 12);
  year = http_digits(p + 12, 4);
  if (http_name_index(p, s_static_days, 7) < 0 || mon < 0 || year < 1970 ||
      http_digits(p + 5, 2) < 1 || http_digits(p + 5, 2) > 31 ||
      http_digits(p + 17, 2) > 23 || http_digits(p + 20, 2) > 59 ||
      http_digits(p + 23, 2) > 60) {
    return 0;
  }
  leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  days = 365L * (year - 1970) + http_leaps_before(year) -
         http_leaps_before(1970) + cum[mon] + (mon > 1 && leap) +
         http_digits(p + 5, 2) - 1;
  *t = (time_t) days * 86400 + http_digits(p + 17, 2) * 3600 +
       http_digits(p + 20, 2) * 60 + http_digits(p + 23, 2);
  return 1;
}

// Returns 1 if the If-None-Match list holds "*" or an entity tag equal to
// etag under the weak comparison (a "W/" prefix is ignored). A malformed
// list stops the scan: what was not matched so far does not match.
static int http_etag_matches(struct mg_str list, const char *etag) {
  const char *p = list.p, *end = list.p + list.len, *q;
  size_t elen = strlen(etag);
  while (p < end) {
    if (*p == ' ' || *p == '\t' || *p == ',') {
      p++;
      continue;
    }
    if (*p == '*') return 1;
    if (end - p > 2 && p[0] == 'W' && p[1] == '/') p += 2;
    if (*p != '"') return 0;
    q = (const char *) memchr(p + 1, '"', (size_t) (end - p - 1));
    if (q == NULL) return 0;
    if ((size_t) (q + 1 - p) == elen && memcmp(p, etag, elen) == 0) return 1;
    p = q + 1;
  }
  return 0;
}

// ---- mg_http_serve_file() --------------------------------------------------

// What a file response is made of.
struct static_file {
  int64_t size;        // Whole file
  int64_t start, len;  // The bytes sent
  time_t mtime;
  char etag[64];      // "\"<mtime hex>.<size hex>\""
  char modified[64];  // IMF-fixdate of mtime
};

// Returns 1 if a conditional GET/HEAD is answered by 304. If-None-Match,
// when present, decides alone (RFC 9110 13.2.2); otherwise a valid
// If-Modified-Since not older than the file's mtime does.
static int static_not_modified(struct http_message *hm,
                               const struct static_file *f) {
  struct mg_str *inm = mg_get_http_header(hm, "If-None-Match");
  struct mg_str *ims = mg_get_http_header(hm, "If-Modified-Since");
  time_t t;
  if (mg_vcmp(&hm->method, "GET") != 0 && mg_vcmp(&hm->method, "HEAD") != 0) {
    return 0;
  }
  if (inm != NULL) return http_etag_matches(*inm, f->etag);
  return ims != NULL && http_parse_date(*ims, &t) && f->mtime <= t;
}

// Parses 1 to 18 decimal digits (so no overflow) into *v.
static int http_parse_num(struct mg_str s, int64_t *v) {
  size_t i;
  if (s.len == 0 || s.len > 18) return 0;
  for (*v = 0, i = 0; i < s.len; i++) {
    if (!isdigit((unsigned char) s.p[i])) return 0;
    *v = *v * 10 + (s.p[i] - '0');
  }
  return 1;
}

// Parses a Range header for a file of size bytes: 1 and [*a, *b] for one
// satisfiable range, 0 if unsatisfiable (416), -1 if the header is to be
// ignored (malformed, another unit, or several ranges).
static int http_parse_range(struct mg_str hdr, int64_t size, int64_t *a,
                            int64_t *b) {
  struct mg_str spec, first, last;
  const char *dash;
  hdr = mg_strstrip(hdr);
  if (hdr.len < 6 || mg_ncasecmp(hdr.p, "bytes=", 6) != 0) return -1;
  spec = mg_strstrip(mg_mk_str_n(hdr.p + 6, hdr.len - 6));
  dash = mg_strchr(spec, '-');
  if (mg_strchr(spec, ',') != NULL || dash == NULL) return -1;
  first = mg_strstrip(mg_mk_str_n(spec.p, (size_t) (dash - spec.p)));
  last = mg_strstrip(
      mg_mk_str_n(dash + 1, (size_t) (spec.p + spec.len - dash - 1)));
  if (first.len == 0) {  // "-n": the last n bytes.
    if (!http_parse_num(last, b)) return -1;
    if (*b == 0 || size == 0) return 0;
    *a = *b > size ? 0 : size - *b;
    *b = size - 1;
    return 1;
  }
  if (!http_parse_num(first, a)) return -1;
  if (last.len == 0) {
    *b = size - 1;
  } else if (!http_parse_num(last, b) || *b < *a) {
    return -1;
  }
  if (*a >= size) return 0;
  if (*b >= size) *b = size - 1;
  return 1;
}

// Picks the bytes to send: returns 200, 206 or 416. If-Range that does not
// equal the ETag or the Last-Modified date disables the range (200).
static int static_pick_range(struct http_message *hm, struct static_file *f) {
  struct mg_str *range = mg_get_http_header(hm, "Range");
  struct mg_str *if_range = mg_get_http_header(hm, "If-Range");
  int64_t a = 0, b = 0;
  int res;
  f->start = 0;
  f->len = f->size;
  if (range == NULL || (mg_vcmp(&hm->method, "GET") != 0 &&
                        mg_vcmp(&hm->method, "HEAD") != 0)) {
    return 200;
  }
  if (if_range != NULL && mg_vcmp(if_range, f->etag) != 0 &&
      mg_vcmp(if_range, f->modified) != 0) {
    return 200;
  }
  res = http_parse_range(*range, f->size, &a, &b);
  if (res < 0) return 200;
  if (res == 0) return 416;
  f->start = a;
  f->len = b - a + 1;
  return 206;
}

// Adds the validators and the extra headers.
static void static_file_validators(struct static_out *h,
                                   const struct static_file *f,
                                   struct mg_str extra) {
  static_hdr(h, "ETag: %s", f->etag);
  static_hdr(h, "Last-Modified: %s", f->modified);
  static_hdr_block(h, extra);
}

// Sends the head of a 200/206 response. Returns 0 if it could not.
static int static_file_head(struct mg_connection *nc, int code,
                            const struct static_file *f, struct mg_str mime,
                            struct mg_str extra) {
  struct static_out h;
  const char *hdrs;
  memset(&h, 0, sizeof(h));
  static_hdr(&h, "Content-Type: %.*s", (int) mime.len, mime.p);
  static_hdr(&h, "Accept-Ranges: bytes");
  if (code == 206) {
    static_hdr(&h, "Content-Range: bytes %lld-%lld/%lld",
               (long long) f->start, (long long) (f->start + f->len - 1),
               (long long) f->size);
  }
  static_file_validators(&h, f, extra);
  if ((hdrs = static_out_str(&h)) != NULL) {
    mg_send_head(nc, code, f->len, hdrs);
  }
  mbuf_free(&h.m);
  return hdrs != NULL;
}

// Reads len bytes of fd from offset start straight into send_mbuf, with
// as few read() calls as the kernel allows (one for a regular file): no
// FILE, no lseek(). For files below HTTP_SENDFILE_MIN. A short read (the
// file shrank) or no memory breaks the promised Content-Length, so the
// response then ends with the link.
static void static_read_small(struct mg_connection *nc, int fd,
                              int64_t start, int64_t len) {
  struct mbuf *m = &nc->send_mbuf;
  size_t want = (size_t) len, got = 0;
  long n = 0;
  if (m->size < m->len + want) mbuf_resize(m, m->len + want);
  while (m->size >= m->len + want && got < want) {
    n = (long) pread(fd, m->buf + m->len + got, want - got,
                     (off_t) (start + (int64_t) got));
    if (n > 0) got += (size_t) n;
    if (n == 0 || (n < 0 && errno != EINTR)) break;
  }
  m->len += got;
  nc->last_io_time = (time_t) mg_time();
  if (got < want) {
    MG_ERROR(("%p file read failed, %lld bytes short", (void *) nc,
              (long long) (want - got)));
    nc->flags |= MG_F_SEND_AND_CLOSE;
  }
}

// A FILE positioned at start, for streaming a large file from fd. Takes
// fd over either way: returns NULL (fd closed) on failure.
static FILE *static_stream_open(int fd, int64_t start) {
  FILE *fp = fdopen(fd, "rb");
  if (fp == NULL) {
    close(fd);
  } else if (start > 0 && fseeko(fp, (off_t) start, SEEK_SET) != 0) {
    fclose(fp);
    fp = NULL;
  }
  return fp;
}

// Sends the head and the body of a 200/206 for the open file fd, which it
// takes over: small bodies are read at once, large ones streamed (or sent
// with sendfile()) as the socket drains.
static void static_file_body(struct mg_connection *nc,
                             struct http_message *hm, int fd, int code,
                             const struct static_file *f, struct mg_str mime,
                             struct mg_str extra) {
  struct mg_http_proto_data *pd = mg_http_get_proto_data(nc);
  int body = mg_vcmp(&hm->method, "HEAD") != 0 && f->len > 0;
  FILE *fp = NULL;
  if (pd == NULL ||
      (body && f->len >= HTTP_SENDFILE_MIN &&
       (fp = static_stream_open(fd, f->start)) == NULL)) {
    if (pd == NULL) close(fd);
    mg_http_send_error(nc, 500, NULL);
    return;
  }
  if (static_file_head(nc, code, f, mime, extra) && body) {
    if (fp != NULL) {
      pd->file.fp = fp;
      pd->file.remaining = f->len;
      mg_http_transfer_file_data(nc);
      return;  // fp now belongs to the connection.
    }
    static_read_small(nc, fd, f->start, f->len);
  }
  if (fp != NULL) {
    fclose(fp);
  } else {
    close(fd);
  }
}

// Answers a request for the open file fd (which it takes over) without a
// body (304, 416) or with one.
static void static_file_respond(struct mg_connection *nc,
                                struct http_message *hm, int fd,
                                struct static_file *f, struct mg_str mime,
                                struct mg_str extra) {
  struct static_out h;
  int code;
  memset(&h, 0, sizeof(h));
  if (static_not_modified(hm, f)) {
    static_file_validators(&h, f, extra);
    static_send(nc, hm, 304, &h, mg_mk_str(""));
  } else if ((code = static_pick_range(hm, f)) == 416) {
    static_hdr(&h, "Content-Range: bytes */%lld", (long long) f->size);
    static_hdr_block(&h, extra);
    static_send(nc, hm, 416, &h, mg_mk_str(""));
  } else {
    static_file_body(nc, hm, fd, code, f, mime, extra);
    return;
  }
  close(fd);
}

// Opens path for reading. O_NONBLOCK: should a FIFO take the place of the
// regular file seen by stat(), neither open() nor read() blocks.
static int static_open_ro(const char *path) {
  return mg_open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0);
}

// Serves the regular file st that is open as fd (taken over); fd < 0: the
// open failed with errno err (404 for ENOENT, else 403).
static void static_serve_fd(struct mg_connection *nc, struct http_message *hm,
                            int fd, int err, const cs_stat_t *st,
                            struct mg_str mime, struct mg_str extra) {
  struct mg_http_proto_data *pd = mg_http_get_proto_data(nc);
  struct static_file f;
  if (pd != NULL) mg_http_free_file_state(&pd->file);
  if (fd < 0) {
    static_send_text(nc, hm, err == ENOENT ? 404 : 403, extra, NULL, NULL);
    return;
  }
  memset(&f, 0, sizeof(f));
  f.size = (int64_t) st->st_size;
  f.mtime = st->st_mtime;
  snprintf(f.etag, sizeof(f.etag), "\"%lx.%llx\"", (unsigned long) f.mtime,
           (unsigned long long) f.size);
  http_format_date(f.modified, sizeof(f.modified), f.mtime);
  static_file_respond(nc, hm, fd, &f, mime, extra);
}

void mg_http_serve_file(struct mg_connection *nc, struct http_message *hm,
                        const char *path, const struct mg_str mime_type,
                        const struct mg_str extra_headers) {
  struct mg_http_proto_data *pd = mg_http_get_proto_data(nc);
  cs_stat_t st;
  int fd;
  if (pd != NULL) mg_http_free_file_state(&pd->file);
  if (mg_stat(path, &st) != 0) {
    static_send_text(nc, hm, 404, extra_headers, NULL, NULL);
  } else if (!S_ISREG(st.st_mode)) {
    static_send_text(nc, hm, 403, extra_headers, NULL, NULL);
  } else {
    fd = static_open_ro(path);
    static_serve_fd(nc, hm, fd, errno, &st, mime_type, extra_headers);
  }
}

// ---- MIME types ------------------------------------------------------------

static const struct {
  const char *ext;
  const char *type;
} s_static_mime[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"shtml", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"json", "application/json; charset=utf-8"},
    {"txt", "text/plain; charset=utf-8"},
    {"md", "text/markdown; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},
    {"c", "text/plain; charset=utf-8"},
    {"h", "text/plain; charset=utf-8"},
    {"xml", "text/xml; charset=utf-8"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"ico", "image/x-icon"},
    {"webp", "image/webp"},
    {"bmp", "image/bmp"},
    {"wasm", "application/wasm"},
    {"pdf", "application/pdf"},
    {"zip", "application/zip"},
    {"gz", "application/gzip"},
    {"tar", "application/x-tar"},
    {"mp3", "audio/mpeg"},
    {"wav", "audio/wav"},
    {"mp4", "video/mp4"},
    {"webm", "video/webm"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
    {"otf", "font/otf"},
};

// True if path ends with suffix, ignoring ASCII case.
static int static_has_suffix(const char *path, struct mg_str suffix) {
  size_t n = strlen(path);
  return suffix.len > 0 && n >= suffix.len &&
         mg_ncasecmp(path + n - suffix.len, suffix.p, suffix.len) == 0;
}

// The MIME type of path: custom_mime_types (".ext=type,...", suffix match)
// first, then the built-in table ('.' + extension), else octet-stream.
static struct mg_str static_mime_type(const char *path, const char *custom) {
  struct mg_str ext, type;
  const char *dot = strrchr(path, '.');
  size_t i;
  while ((custom = mg_next_comma_list_entry(custom, &ext, &type)) != NULL) {
    ext = mg_strstrip(ext);
    if (type.p != NULL && static_has_suffix(path, ext)) {
      return mg_strstrip(type);
    }
  }
  for (i = 0; dot != NULL && i < MG_ARRAY_SIZE(s_static_mime); i++) {
    if (mg_casecmp(dot + 1, s_static_mime[i].ext) == 0) {
      return mg_mk_str(s_static_mime[i].type);
    }
  }
  return mg_mk_str("application/octet-stream");
}

// ---- mg_serve_http() -------------------------------------------------------

// A file to serve: its stat() and the descriptor it is open as.
struct static_open {
  cs_stat_t st;
  int fd;   // -1 if not open
  int err;  // errno of a failed open()
};

// One mg_serve_http() call.
struct static_req {
  struct mg_connection *nc;
  struct http_message *hm;
  const struct mg_serve_http_opts *opts;
  struct mg_str extra;  // opts->extra_headers
  const char *root;     // The document root picked for this request
  char *root_buf;       // MG_MALLOC'd root from a rewrite, or NULL
  char *uri_path;       // Decoded, normalised URI path (MG_MALLOC'd)
  const char *rel;      // The part of uri_path below root
  char *local;          // root + rel (MG_MALLOC'd)
  size_t root_len;      // Length of the root part of local
  struct static_open file;  // local: st when exists, fd when regular
  int exists;               // mg_stat(local) succeeded
};

// Sends a text response with the extra headers; returns 0 for chaining.
static int static_fail(struct static_req *r, int code, const char *text) {
  static_send_text(r->nc, r->hm, code, r->extra, NULL, text);
  return 0;
}

// Returns 1 if the peer may be served. IPv4 peers, IPv4-mapped IPv6 peers
// and ::1 (as 127.0.0.1) are checked against the ACL. Other IPv6 peers are
// refused whenever an ACL is set: its grammar is IPv4 only, and refusing
// is the safe reading. A malformed ACL refuses everyone.
static int static_acl_allows(struct mg_connection *nc, const char *acl) {
  const union socket_address *sa = &nc->sa;
  uint32_t ip;
  if (acl == NULL || *acl == '\0') return 1;
  if (sa->sa.sa_family == AF_INET) {
    ip = ntohl(sa->sin.sin_addr.s_addr);
  } else if (sa->sa.sa_family == AF_INET6 &&
             IN6_IS_ADDR_V4MAPPED(&sa->sin6.sin6_addr)) {
    memcpy(&ip, sa->sin6.sin6_addr.s6_addr + 12, 4);
    ip = ntohl(ip);
  } else if (sa->sa.sa_family == AF_INET6 &&
             IN6_IS_ADDR_LOOPBACK(&sa->sin6.sin6_addr)) {
    ip = 0x7f000001;
  } else {
    return 0;
  }
  return mg_check_ip_acl(acl, ip) == 1;
}

// True if the raw URI carries an encoded '/' or '\': such a path could
// mean something else once decoded, so it is refused.
static int static_has_encoded_sep(struct mg_str uri) {
  size_t i;
  for (i = 0; i + 2 < uri.len; i++) {
    if (mg_ncasecmp(uri.p + i, "%2f", 3) == 0 ||
        mg_ncasecmp(uri.p + i, "%5c", 3) == 0) {
      return 1;
    }
  }
  return 0;
}

// Decodes and normalises hm->uri into r->uri_path ('+' stays '+').
// Absolute-form targets ("http://h/x") use their path.
static int static_decode_uri(struct static_req *r) {
  struct mg_str uri = r->hm->uri, in, out;
  int n;
  if (uri.len > 0 && uri.p[0] != '/') {
    struct mg_str path = MG_NULL_STR;
    if (mg_parse_uri(uri, NULL, NULL, NULL, NULL, &path, NULL, NULL) != 0) {
      return static_fail(r, 400, NULL);
    }
    uri = path.len > 0 ? path : mg_mk_str("/");
  }
  if (static_has_encoded_sep(uri)) return static_fail(r, 404, NULL);
  if ((r->uri_path = (char *) MG_MALLOC(uri.len + 1)) == NULL) {
    return static_fail(r, 500, NULL);
  }
  n = mg_url_decode(uri.p, (int) uri.len, r->uri_path, (int) uri.len + 1, 0);
  if (n < 0) return static_fail(r, 400, NULL);
  if ((size_t) n != strlen(r->uri_path) || strchr(r->uri_path, '\\')) {
    return static_fail(r, 404, NULL);
  }
  in = mg_mk_str_n(r->uri_path, (size_t) n);
  out = in;
  if (!mg_normalize_uri_path(&in, &out)) return static_fail(r, 404, NULL);
  r->uri_path[out.len] = '\0';
  r->rel = r->uri_path;
  return 1;
}

// True if the Host header, without its port, equals host (any case).
static int static_host_is(struct http_message *hm, struct mg_str host) {
  struct mg_str *h = mg_get_http_header(hm, "Host"), v;
  const char *colon;
  if (h == NULL) return 0;
  v = mg_strstrip(*h);
  if (v.len > 0 && v.p[0] == '[') {
    colon = mg_strchr(v, ']');
    if (colon != NULL) v.len = (size_t) (colon + 1 - v.p);
  } else if ((colon = mg_strchr(v, ':')) != NULL) {
    v.len = (size_t) (colon - v.p);
  }
  return mg_strcasecmp(v, host) == 0;
}

// Length of the URI-path prefix that the glob pat matches, ending at a '/'
// boundary ("/x" matches "/x" and "/x/y", not "/xy"; "/" matches all), and
// not counting a final '/'; -1 if none.
static long static_prefix_len(struct mg_str pat, const char *path) {
  size_t n = mg_match_prefix_n(pat, mg_mk_str(path));
  if (n == 0) return -1;
  if (path[n] == '\0' || path[n] == '/') return (long) n;
  return path[n - 1] == '/' ? (long) n - 1 : -1;
}

// Applies url_rewrites: the first matching entry picks the root; a prefix
// entry also strips its prefix from the path. Returns 0 if it answered.
static int static_rewrite(struct static_req *r) {
  const char *list = r->opts->url_rewrites;
  struct mg_str pat, target;
  long n;
  while ((list = mg_next_comma_list_entry(list, &pat, &target)) != NULL) {
    pat = mg_strstrip(pat);
    target = mg_strstrip(target);
    if (target.p == NULL || pat.len == 0 || target.len == 0) continue;
    if (pat.p[0] == '@') {
      // A virtual host keeps the whole path under its own root.
      n = static_host_is(r->hm, mg_mk_str_n(pat.p + 1, pat.len - 1)) ? 0 : -1;
    } else {
      n = static_prefix_len(pat, r->uri_path);
    }
    if (n < 0) continue;
    if (mg_ncasecmp(target.p, "http://", 7) == 0 ||
        mg_ncasecmp(target.p, "https://", 8) == 0) {
      // A virtual host forwards its whole path: no mount prefix.
      mg_http_proxy_rewrite(r->nc, r->hm,
                            pat.p[0] == '@' ? mg_mk_str_n(pat.p, 0) : pat,
                            target);
      return 0;
    }
    if ((r->root_buf = (char *) mg_strdup_nul(target).p) == NULL) {
      return static_fail(r, 500, NULL);
    }
    r->root = r->root_buf;
    r->rel = r->uri_path + n;
    return 1;
  }
  return 1;
}

// root + rel: the root without its trailing '/'s, rel as it is. Sets
// *root_len to the length of the root part.
static char *static_join(const char *root, const char *rel,
                         size_t *root_len) {
  size_t rl = strlen(root), n = strlen(rel);
  char *p;
  while (rl > 0 && root[rl - 1] == '/') rl--;
  *root_len = rl;
  if (rl == 0 && n == 0) rel = "/", n = 1;
  if ((p = (char *) MG_MALLOC(rl + n + 2)) == NULL) return NULL;
  memcpy(p, root, rl);
  if (n > 0 && rel[0] != '/') p[rl++] = '/';
  memcpy(p + rl, rel, n + 1);
  return p;
}

// True if name matches one alternative of the glob whole ('|' or ',').
static int static_glob_full(const char *glob, struct mg_str name) {
  struct mg_str pat = mg_mk_str(glob), alt;
  size_t i, start = 0;
  for (i = 0; i <= pat.len; i++) {
    if (i < pat.len && pat.p[i] != '|' && pat.p[i] != ',') continue;
    alt = mg_mk_str_n(pat.p + start, i - start);
    if (alt.len > 0 && mg_match_prefix_n(alt, name) == name.len) return 1;
    start = i + 1;
  }
  return 0;
}

// True if a file called name is never served nor listed: it matches
// hidden_file_pattern, or is the per-directory auth file (any case).
static int static_name_hidden(const struct mg_serve_http_opts *o,
                              struct mg_str name) {
  if (name.len == 0) return 0;
  if (o->hidden_file_pattern != NULL && *o->hidden_file_pattern != '\0' &&
      static_glob_full(o->hidden_file_pattern, name)) {
    return 1;
  }
  return o->per_directory_auth_file != NULL &&
         mg_vcasecmp(&name, o->per_directory_auth_file) == 0;
}

// True if any component of the URI path is hidden.
static int static_path_hidden(const struct mg_serve_http_opts *o,
                              const char *path) {
  const char *p = path, *e;
  while (*p != '\0') {
    while (*p == '/') p++;
    for (e = p; *e != '\0' && *e != '/'; e++) {
    }
    if (static_name_hidden(o, mg_mk_str_n(p, (size_t) (e - p)))) return 1;
    p = e;
  }
  return 0;
}

// ---- Path safety: the real path must lie under the root ------------------

// realpath() costs a readlink() per path component, and the document root
// is the same on every request, so its real path is cached. The table is
// process-wide and keyed by the root string: url_rewrites pick the root per
// request, and the listener's proto data has no hook that would free a
// per-listener copy. Managers may poll in several threads, hence the lock
// (uncontended: no system call). No allocation: a root too long for a slot
// is resolved every time. An entry lives STATIC_ROOT_TTL seconds, so a
// re-pointed root (a deploy switching a symlink, a chdir() under a relative
// root) is seen soon; and a path that seems to be outside a cached root is
// checked again against the root resolved now before it is refused.
#define STATIC_ROOT_SLOTS 4
#define STATIC_ROOT_TTL 1.0

struct static_root_slot {
  char root[256];  // The document root as given; "" for a free slot
  char real[512];  // realpath(root)
  double at;       // mg_time() when resolved
};

static struct static_root_slot s_static_roots[STATIC_ROOT_SLOTS];
static unsigned s_static_root_next;  // The slot to reuse next
static pthread_mutex_t s_static_cache_lock = PTHREAD_MUTEX_INITIALIZER;

// Copies the cached real path of root into real; returns 0 on a miss.
static int static_root_cached(const char *root, char *real) {
  double now = mg_time();
  size_t i;
  int hit = 0;
  pthread_mutex_lock(&s_static_cache_lock);
  for (i = 0; i < STATIC_ROOT_SLOTS && !hit; i++) {
    const struct static_root_slot *e = &s_static_roots[i];
    if (e->root[0] != '\0' && strcmp(e->root, root) == 0 && now >= e->at &&
        now - e->at < STATIC_ROOT_TTL) {
      memcpy(real, e->real, strlen(e->real) + 1);
      hit = 1;
    }
  }
  pthread_mutex_unlock(&s_static_cache_lock);
  return hit;
}

static void static_root_store(const char *root, const char *real) {
  size_t rl = strlen(root), n = strlen(real), i;
  struct static_root_slot *e;
  if (rl >= sizeof(e->root) || n >= sizeof(e->real)) return;
  pthread_mutex_lock(&s_static_cache_lock);
  for (i = 0; i < STATIC_ROOT_SLOTS; i++) {
    if (strcmp(s_static_roots[i].root, root) == 0) break;
  }
  if (i == STATIC_ROOT_SLOTS) i = s_static_root_next++ % STATIC_ROOT_SLOTS;
  e = &s_static_roots[i];
  memcpy(e->root, root, rl + 1);
  memcpy(e->real, real, n + 1);
  e->at = mg_time();
  pthread_mutex_unlock(&s_static_cache_lock);
}

// Sets real (HTTP_STATIC_PATH_MAX bytes) to the real path of root: cached,
// or resolved now if fresh is set. Returns 0 if root cannot be resolved.
static int static_root_real(const char *root, char *real, int fresh) {
  if (!fresh && static_root_cached(root, real)) return 1;
  if (realpath(root, real) == NULL) return 0;
  static_root_store(root, real);
  return 1;
}

// True if the real path p is root_real or below it.
static int static_under(const char *root_real, const char *p) {
  size_t n = strlen(root_real);
  if (n > 0 && root_real[n - 1] == '/') n--;  // The root is "/".
  return strncmp(root_real, p, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

// True if the real path real is the root or below it. buf has room for
// HTTP_STATIC_PATH_MAX bytes.
static int static_real_inside(const char *root, const char *real, char *buf) {
  if (static_root_real(root, buf, 0) && static_under(buf, real)) return 1;
  return static_root_real(root, buf, 1) && static_under(buf, real);
}

// Writes the real path of the file open as fd (or else of path) into buf
// (HTTP_STATIC_PATH_MAX bytes); returns 0 on failure. On Linux the
// /proc/self/fd link names the file actually opened, symlinks resolved, in
// one call: checking it leaves no window between check and open. Without
// /proc, realpath(path).
#ifdef __linux__
static int static_fd_real(int fd, const char *path, char *buf) {
  char link[48];
  long n;
  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  n = (long) readlink(link, buf, HTTP_STATIC_PATH_MAX - 1);
  if (n > 0 && n < HTTP_STATIC_PATH_MAX - 1 && buf[0] == '/') {
    buf[n] = '\0';
    return 1;
  }
  return realpath(path, buf) != NULL;
}
#else
static int static_fd_real(int fd, const char *path, char *buf) {
  (void) fd;
  return realpath(path, buf) != NULL;
}
#endif

// True if path (fd >= 0: the file open as fd), all symlinks resolved, is
// root or below it.
static int static_inside_root(const char *root, const char *path, int fd) {
  char *a = (char *) MG_MALLOC(2 * HTTP_STATIC_PATH_MAX);
  char *b = a + HTTP_STATIC_PATH_MAX;
  int ok;
  if (a == NULL) return 0;
  if (fd >= 0) {
    ok = static_fd_real(fd, path, b);
  } else {
    ok = realpath(path, b) != NULL;
  }
  ok = ok && static_real_inside(root, b, a);
  MG_FREE(a);
  return ok;
}

// ---- Verified files ---------------------------------------------------------

// The /proc/self/fd readlink() above is costly (about a fifth of the CPU a
// small file takes), so a file found inside the root is remembered for
// STATIC_ROOT_TTL seconds: the root, the path, and the identity of the
// file that opening the path gave (device, inode, ctime). Within that time
// the path is opened directly and the check is fstat() on the descriptor:
// only the very file that was verified passes. A link, unlink or rename of
// the file changes its ctime, and a new file reusing the inode number has
// a newer ctime, so those miss; any miss goes through the full check. Only
// files whose ctime is STATIC_VERIFIED_AGE seconds old are remembered:
// timestamps are coarse (a clock tick; a second on some filesystems), and
// this way any later change is sure to show. A slot is picked by a hash of
// root and path; paths too long for a slot are not remembered.
#define STATIC_VERIFIED_SLOTS 32
#define STATIC_VERIFIED_KEY 320
#define STATIC_VERIFIED_AGE 1.0

struct static_verified {
  char key[STATIC_VERIFIED_KEY];  // root, NUL, path, NUL
  size_t len;                     // Of key; 0 for a free slot
  dev_t dev;
  ino_t ino;
  long long ctime_ns;  // st_ctime in nanoseconds
  double at;           // mg_time() when verified
};

static struct static_verified s_static_verified[STATIC_VERIFIED_SLOTS];

// The inode change time in ns: it moves on every link, unlink, rename and
// chmod of the file.
#ifdef __linux__
static long long static_ctime_ns(const cs_stat_t *st) {
  return (long long) st->st_ctim.tv_sec * 1000000000LL + st->st_ctim.tv_nsec;
}
#else
static long long static_ctime_ns(const cs_stat_t *st) {
  return (long long) st->st_ctime * 1000000000LL;
}
#endif

// Builds the key of root and path into key; returns its length, 0 if too
// long.
static size_t static_verified_key(const char *root, const char *path,
                                  char *key) {
  size_t rl = strlen(root) + 1, pl = strlen(path) + 1;
  if (rl + pl > STATIC_VERIFIED_KEY) return 0;
  memcpy(key, root, rl);
  memcpy(key + rl, path, pl);
  return rl + pl;
}

// The slot of a key (FNV-1a).
static struct static_verified *static_verified_slot(const char *key,
                                                   size_t len) {
  uint32_t h = 2166136261U;
  size_t i;
  for (i = 0; i < len; i++) h = (h ^ (unsigned char) key[i]) * 16777619U;
  return &s_static_verified[h % STATIC_VERIFIED_SLOTS];
}

// True if root/path has a fresh entry; with st, one for that very file.
static int static_verified_has(const char *root, const char *path,
                               const cs_stat_t *st) {
  char key[STATIC_VERIFIED_KEY];
  size_t len = static_verified_key(root, path, key);
  const struct static_verified *e;
  double now = mg_time();
  int ok;
  if (len == 0) return 0;
  e = static_verified_slot(key, len);
  pthread_mutex_lock(&s_static_cache_lock);
  ok = e->len == len && memcmp(e->key, key, len) == 0 && now >= e->at &&
       now - e->at < STATIC_ROOT_TTL;
  if (ok && st != NULL) {
    ok = e->dev == st->st_dev && e->ino == st->st_ino &&
         e->ctime_ns == static_ctime_ns(st);
  }
  pthread_mutex_unlock(&s_static_cache_lock);
  return ok;
}

// Remembers that opening path gave the file st, found inside root.
static void static_verified_store(const char *root, const char *path,
                                  const cs_stat_t *st) {
  char key[STATIC_VERIFIED_KEY];
  size_t len = static_verified_key(root, path, key);
  struct static_verified *e;
  double now = mg_time();
  if (len == 0 ||
      (double) static_ctime_ns(st) / 1e9 > now - STATIC_VERIFIED_AGE) {
    return;
  }
  e = static_verified_slot(key, len);
  pthread_mutex_lock(&s_static_cache_lock);
  memcpy(e->key, key, len);
  e->len = len;
  e->dev = st->st_dev;
  e->ino = st->st_ino;
  e->ctime_ns = static_ctime_ns(st);
  e->at = now;
  pthread_mutex_unlock(&s_static_cache_lock);
}

// Opens path if it was verified inside root within the TTL and is still
// that very regular file: returns 1 with f (st from fstat(), fd) filled in.
// Otherwise returns 0 and leaves nothing open.
static int static_verified_open(const char *root, const char *path,
                                struct static_open *f) {
  cs_stat_t st;
  int fd;
  if (!static_verified_has(root, path, NULL)) return 0;
  if ((fd = static_open_ro(path)) < 0) return 0;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
      static_verified_has(root, path, &st)) {
    f->fd = fd;
    f->st = st;
    return 1;
  }
  close(fd);
  return 0;
}

// Opens the regular file path (f->st: what stat() saw) and checks that
// what was opened lies inside the root. Returns 1 if inside: f->fd is then
// the open file (f->st now from fstat()), or -1 if it could not be opened
// (f->err = errno; the path was checked instead). Returns 0 (nothing left
// open) if outside.
static int static_open_inside(const char *root, const char *path,
                              struct static_open *f) {
  cs_stat_t st;
  f->fd = static_open_ro(path);
  f->err = errno;
  if (static_inside_root(root, path, f->fd)) {
    if (f->fd >= 0 && fstat(f->fd, &st) == 0) {
      f->st = st;
      if (S_ISREG(st.st_mode)) static_verified_store(root, path, &st);
    }
    return 1;
  }
  if (f->fd >= 0) close(f->fd);
  f->fd = -1;
  return 0;
}

// Per-directory auth: the auth file in the nearest directory, from the
// requested one up to the root, decides (so a file protects its subtree).
static int static_dir_authorized(struct static_req *r, const char *domain) {
  const char *name = r->opts->per_directory_auth_file;
  size_t rootlen = r->root_len, len = strlen(r->local);
  char *buf = (char *) MG_MALLOC(len + strlen(name) + 2);
  int res = 1;
  cs_stat_t st;
  if (buf == NULL) return 0;
  memcpy(buf, r->local, len + 1);
  if (!(r->exists && S_ISDIR(r->file.st.st_mode))) {
    while (len > rootlen && buf[len - 1] != '/') len--;
  }
  for (;;) {
    while (len > 0 && buf[len - 1] == '/') len--;
    snprintf(buf + len, strlen(name) + 2, "/%s", name);
    if (mg_stat(buf, &st) == 0) {
      buf[len] = '\0';
      res = mg_http_is_authorized(r->hm, mg_mk_str(buf), domain, name,
                                  MG_AUTH_FLAG_IS_DIRECTORY);
      break;
    }
    if (len <= rootlen) break;
    while (len > rootlen && buf[len - 1] != '/') len--;
  }
  MG_FREE(buf);
  return res;
}

// The digest realm: auth_domain, or "mongoose".
static const char *static_auth_domain(const struct mg_serve_http_opts *o) {
  return o->auth_domain != NULL ? o->auth_domain : "mongoose";
}

// Checks global_auth_file (a missing file refuses: fail closed), then the
// per-directory auth files.
static int static_authorized(struct static_req *r) {
  const struct mg_serve_http_opts *o = r->opts;
  const char *domain = static_auth_domain(o);
  int flags = r->exists && S_ISDIR(r->file.st.st_mode)
                  ? MG_AUTH_FLAG_IS_DIRECTORY
                  : 0;
  if (o->global_auth_file != NULL && *o->global_auth_file != '\0' &&
      !mg_http_is_authorized(r->hm, mg_mk_str(r->local), domain,
                             o->global_auth_file,
                             flags | MG_AUTH_FLAG_IS_GLOBAL_PASS_FILE)) {
    return 0;
  }
  if (o->per_directory_auth_file == NULL ||
      *o->per_directory_auth_file == '\0') {
    return 1;
  }
  return static_dir_authorized(r, domain);
}


// True if the parameters after a content coding (";q=0.5") give a q-value
// other than zero; no q means 1.
static int http_q_nonzero(struct mg_str params) {
  size_t i = 0, j;
  while (i < params.len) {
    if (params.p[i++] != ';') continue;
    while (i < params.len && (params.p[i] == ' ' || params.p[i] == '\t')) i++;
    if (i + 1 < params.len && (params.p[i] == 'q' || params.p[i] == 'Q') &&
        params.p[i + 1] == '=') {
      for (j = i + 2; j < params.len && (isdigit((unsigned char) params.p[j]) ||
                                         params.p[j] == '.');
           j++) {
        if (params.p[j] >= '1' && params.p[j] <= '9') return 1;
      }
      return 0;
    }
  }
  return 1;
}

// Returns 1 if Accept-Encoding accepts gzip: "gzip" or "x-gzip" with a
// non-zero q, or else "*" with a non-zero q.
static int static_accepts_gzip(struct http_message *hm) {
  struct mg_str *h = mg_get_http_header(hm, "Accept-Encoding");
  struct mg_str list, item, coding, params;
  const char *semi;
  int star = 0;
  if (h == NULL) return 0;
  list = *h;
  while ((list = mg_next_comma_list_entry_n(list, &item, NULL)).p != NULL) {
    semi = mg_strchr(item, ';');
    if (semi == NULL) semi = item.p + item.len;
    coding = mg_strstrip(mg_mk_str_n(item.p, (size_t) (semi - item.p)));
    params = mg_mk_str_n(semi, (size_t) (item.p + item.len - semi));
    if (mg_vcasecmp(&coding, "gzip") == 0 ||
        mg_vcasecmp(&coding, "x-gzip") == 0) {
      return http_q_nonzero(params);
    }
    if (mg_vcmp(&coding, "*") == 0) star = http_q_nonzero(params);
  }
  return star;
}

// dir + '/' + name (no second '/' if dir ends with one); MG_MALLOC'd.
static char *static_join_name(const char *dir, struct mg_str name) {
  size_t n = strlen(dir);
  char *p = (char *) MG_MALLOC(n + name.len + 2);
  if (p == NULL) return NULL;
  memcpy(p, dir, n);
  if (n == 0 || dir[n - 1] != '/') p[n++] = '/';
  memcpy(p + n, name.p, name.len);
  p[n + name.len] = '\0';
  return p;
}

static void static_close(int fd) {
  if (fd >= 0) close(fd);
}

// Looks for the .gz sibling of path: a regular file inside the root.
// Returns 1 (g filled in) if there is one, 0 if not, -1 if out of memory.
static int static_gz_sibling(struct static_req *r, const char *path,
                             struct static_open *g) {
  size_t n = strlen(path);
  char *gz = (char *) MG_MALLOC(n + 4);
  int has;
  g->fd = -1;
  if (gz == NULL) return -1;
  memcpy(gz, path, n);
  memcpy(gz + n, ".gz", 4);
  has = mg_stat(gz, &g->st) == 0 && S_ISREG(g->st.st_mode) &&
        static_open_inside(r->root, gz, g);
  MG_FREE(gz);
  return has;
}

// Serves the regular file path, already found inside the root and opened
// as f (taken over), with the MIME type of its name. A .gz sibling is
// served instead (Content-Encoding: gzip) when the client accepts gzip;
// any response for a file that has one says "Vary: Accept-Encoding".
static void static_serve_regular(struct static_req *r, const char *path,
                                 struct static_open *f) {
  struct mg_str mime = static_mime_type(path, r->opts->custom_mime_types);
  struct static_open g, *use = f;
  struct static_out h;
  int has_gz = static_gz_sibling(r, path, &g);
  memset(&h, 0, sizeof(h));
  if (has_gz > 0 && static_accepts_gzip(r->hm)) use = &g;
  if (has_gz > 0) static_hdr(&h, "Vary: Accept-Encoding");
  if (use == &g) static_hdr(&h, "Content-Encoding: gzip");
  static_hdr_block(&h, r->extra);
  if (has_gz < 0 || static_out_str(&h) == NULL) {
    static_fail(r, 500, NULL);
  } else {
    static_serve_fd(r->nc, r->hm, use->fd, use->err, &use->st, mime,
                    mg_mk_str_n(h.m.buf, h.m.len));
    use->fd = -1;
  }
  static_close(f->fd);
  static_close(g.fd);
  f->fd = -1;
  mbuf_free(&h.m);
}

// 301 to the request URI with a '/' added, keeping the query string.
static void static_redirect_slash(struct static_req *r) {
  struct http_message *hm = r->hm;
  struct mg_str extra = mg_strstrip(r->extra);
  struct static_out loc, h;
  memset(&loc, 0, sizeof(loc));
  memset(&h, 0, sizeof(h));
  static_out_printf(&loc, "%.*s/", (int) hm->uri.len, hm->uri.p);
  if (hm->query_string.len > 0) {
    static_out_printf(&loc, "?%.*s", (int) hm->query_string.len,
                      hm->query_string.p);
  }
  if (loc.failed) {
    static_fail(r, 500, NULL);
  } else if (mg_strchr(extra, '\n') == NULL) {
    mg_http_send_redirect(r->nc, 301, mg_mk_str_n(loc.m.buf, loc.m.len),
                          extra);
  } else if (mg_strchr(mg_mk_str_n(loc.m.buf, loc.m.len), '\n') == NULL &&
             mg_strchr(mg_mk_str_n(loc.m.buf, loc.m.len), '\r') == NULL) {
    // mg_http_send_redirect() takes one extra header line, not a block.
    static_hdr(&h, "Location: %.*s", (int) loc.m.len, loc.m.buf);
    static_hdr_block(&h, extra);
    static_send(r->nc, hm, 301, &h, mg_mk_str(""));
  } else {
    static_fail(r, 500, NULL);
  }
  mbuf_free(&loc.m);
  mbuf_free(&h.m);
}

// Serves the first index file of the directory that exists. Returns 0 if
// there is none.
static int static_try_index(struct static_req *r) {
  const char *list = r->opts->index_files;
  struct mg_str name;
  struct static_open f;
  char *p;
  if (list == NULL) list = "index.html,index.htm,index.shtml";
  while ((list = mg_next_comma_list_entry(list, &name, NULL)) != NULL) {
    name = mg_strstrip(name);
    if (name.len == 0 || mg_strchr(name, '/') != NULL ||
        static_name_hidden(r->opts, name)) {
      continue;
    }
    if ((p = static_join_name(r->local, name)) == NULL) {
      static_fail(r, 500, NULL);
      return 1;
    }
    if (mg_stat(p, &f.st) == 0 && S_ISREG(f.st.st_mode)) {
      if (static_open_inside(r->root, p, &f)) {
        static_serve_regular(r, p, &f);
      } else {
        static_fail(r, 404, NULL);
      }
      MG_FREE(p);
      return 1;
    }
    MG_FREE(p);
  }
  return 0;
}

#if MG_ENABLE_DIRECTORY_LISTING
// ---- Directory listings ----------------------------------------------------

struct static_entry {
  char *name;  // MG_MALLOC'd
  int is_dir;
  int64_t size;
  time_t mtime;
};

struct static_entries {
  struct static_entry *e;
  size_t n, cap;
};

// Directories first, then by name, bytewise.
static int static_entry_cmp(const void *a, const void *b) {
  const struct static_entry *x = (const struct static_entry *) a;
  const struct static_entry *y = (const struct static_entry *) b;
  if (x->is_dir != y->is_dir) return y->is_dir - x->is_dir;
  return strcmp(x->name, y->name);
}

static void static_entries_free(struct static_entries *l) {
  size_t i;
  for (i = 0; i < l->n; i++) MG_FREE(l->e[i].name);
  MG_FREE(l->e);
  memset(l, 0, sizeof(*l));
}

// Adds the entry name of dir. Returns 0 if memory ran out. An entry that
// cannot be stat()ed (gone, a dangling link) is left out.
static int static_entries_add(struct static_entries *l, const char *dir,
                              const char *name) {
  struct static_entry *e;
  cs_stat_t st;
  char *path = static_join_name(dir, mg_mk_str(name));
  int found;
  if (path == NULL) return 0;
  found = mg_stat(path, &st) == 0;
  MG_FREE(path);
  if (!found) return 1;
  if (l->n == l->cap) {
    size_t cap = l->cap == 0 ? 16 : l->cap * 2;
    e = (struct static_entry *) MG_REALLOC(l->e, cap * sizeof(*e));
    if (e == NULL) return 0;
    l->e = e;
    l->cap = cap;
  }
  e = &l->e[l->n];
  if ((e->name = (char *) mg_strdup_nul(mg_mk_str(name)).p) == NULL) return 0;
  e->is_dir = S_ISDIR(st.st_mode) ? 1 : 0;
  e->size = (int64_t) st.st_size;
  e->mtime = st.st_mtime;
  l->n++;
  return 1;
}

// Reads and sorts the listable entries of r->local. Returns 0, or the
// status to answer: 403 if the directory cannot be read, 500 (memory).
static int static_read_dir(struct static_req *r, struct static_entries *l) {
  DIR *d = opendir(r->local);
  struct dirent *de;
  int res = 0;
  if (d == NULL) return 403;
  while (res == 0 && (de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
        static_name_hidden(r->opts, mg_mk_str(de->d_name))) {
      continue;
    }
    if (!static_entries_add(l, r->local, de->d_name)) res = 500;
  }
  closedir(d);
  if (res == 0 && l->n > 1) {
    qsort(l->e, l->n, sizeof(l->e[0]), static_entry_cmp);
  }
  return res;
}

// Appends s with & < > " ' as HTML entities.
static void static_out_html(struct static_out *o, const char *s) {
  static const char *specials = "&<>\"'";
  static const char *entities[] = {"&amp;", "&lt;", "&gt;", "&quot;",
                                   "&#39;"};
  const char *x;
  for (; *s != '\0'; s++) {
    if ((x = strchr(specials, *s)) != NULL) {
      static_out_printf(o, "%s", entities[x - specials]);
    } else {
      static_out_add(o, s, 1);
    }
  }
}

// One row: the name (URL-encoded in the href, HTML-escaped as text), the
// modification time (UTC) and the size ("-" for directories).
static void static_list_row(struct static_out *o,
                            const struct static_entry *e) {
  struct mg_str href = mg_url_encode(mg_mk_str(e->name));
  const char *slash = e->is_dir ? "/" : "";
  struct tm tm;
  if (href.p == NULL) {
    o->failed = 1;
    return;
  }
  memset(&tm, 0, sizeof(tm));
  gmtime_r(&e->mtime, &tm);
  static_out_printf(o, "<tr><td><a href=\"%s%s\">", href.p, slash);
  static_out_html(o, e->name);
  static_out_printf(o, "%s</a></td><td>%04d-%02d-%02d %02d:%02d</td><td>",
                    slash, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                    tm.tm_hour, tm.tm_min);
  if (e->is_dir) {
    static_out_printf(o, "-</td></tr>\n");
  } else {
    static_out_printf(o, "%lld</td></tr>\n", (long long) e->size);
  }
  mg_strfree(&href);
}

// The whole page for the sorted entries.
static void static_list_page(struct static_out *o, const char *uri_path,
                             const struct static_entries *l) {
  size_t i;
  static_out_printf(o, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                       "<title>Index of ");
  static_out_html(o, uri_path);
  static_out_printf(o, "</title></head>\n<body><h1>Index of ");
  static_out_html(o, uri_path);
  static_out_printf(o, "</h1>\n<table>\n<tr><th>Name</th>"
                       "<th>Modified (UTC)</th><th>Size</th></tr>\n");
  if (strcmp(uri_path, "/") != 0) {
    static_out_printf(o, "<tr><td><a href=\"../\">..</a></td><td></td>"
                         "<td>-</td></tr>\n");
  }
  for (i = 0; i < l->n; i++) static_list_row(o, &l->e[i]);
  static_out_printf(o, "</table>\n</body></html>\n");
}

// Sends the listing of r->local as one response with a Content-Length
// (HEAD gets the same length and no body).
static void static_list_dir(struct static_req *r) {
  struct static_entries l;
  struct static_out body, h;
  int res;
  memset(&l, 0, sizeof(l));
  memset(&body, 0, sizeof(body));
  memset(&h, 0, sizeof(h));
  if ((res = static_read_dir(r, &l)) == 0) {
    static_list_page(&body, r->uri_path, &l);
    if (body.failed) res = 500;
  }
  if (res != 0) {
    static_fail(r, res, NULL);
  } else {
    static_hdr(&h, "Content-Type: text/html; charset=utf-8");
    static_hdr_block(&h, r->extra);
    static_send(r->nc, r->hm, 200, &h, mg_mk_str_n(body.m.buf, body.m.len));
  }
  mbuf_free(&body.m);
  static_entries_free(&l);
}
#endif  // MG_ENABLE_DIRECTORY_LISTING

// A directory: 301 without the trailing '/', else an index file, else a
// listing (unless enable_directory_listing is "no"), else 403.
static void static_serve_dir(struct static_req *r) {
  struct mg_str uri = r->hm->uri;
  const char *listing = r->opts->enable_directory_listing;
  if (uri.len == 0 || uri.p[uri.len - 1] != '/') {
    static_redirect_slash(r);
  } else if (!static_try_index(r)) {
#if MG_ENABLE_DIRECTORY_LISTING
    if (listing == NULL || strcmp(listing, "no") != 0) {
      static_list_dir(r);
      return;
    }
#endif
    (void) listing;
    static_fail(r, 403, NULL);
  }
}

// Finds r->local: sets r->exists and r->file (st; fd for a regular file,
// opened here so that the check is made on what was opened). Returns 0 if
// it exists but resolves outside the root.
static int static_lookup(struct static_req *r) {
  struct static_open *f = &r->file;
  r->exists = 1;
  if (static_verified_open(r->root, r->local, f)) return 1;
  if (!(r->exists = mg_stat(r->local, &f->st) == 0)) return 1;
  if (S_ISREG(f->st.st_mode)) return static_open_inside(r->root, r->local, f);
  return static_inside_root(r->root, r->local, -1);
}

// GET and HEAD: maps the path to a file and answers.
static void static_serve(struct static_req *r) {
  if (static_path_hidden(r->opts, r->uri_path)) {
    static_fail(r, 404, NULL);
  } else if ((r->local = static_join(r->root, r->rel, &r->root_len)) ==
             NULL) {
    static_fail(r, 500, NULL);
  } else if (!static_lookup(r)) {
    static_fail(r, 404, NULL);
  } else if (!static_authorized(r)) {
    mg_http_send_digest_auth_request(r->nc, static_auth_domain(r->opts));
  } else if (!r->exists) {
    static_fail(r, 404, NULL);
  } else if (S_ISDIR(r->file.st.st_mode)) {
    static_serve_dir(r);
  } else if (S_ISREG(r->file.st.st_mode)) {
    static_serve_regular(r, r->local, &r->file);
  } else {
    static_fail(r, 403, NULL);
  }
}

// What mg_serve_http() does with a method; other tokens get 501.
#define STATIC_M_NOT_ALLOWED 0  // 405 with Allow
#define STATIC_M_SERVE 1        // GET, HEAD
#define STATIC_M_OPTIONS 2      // 200 with Allow
#define STATIC_ALLOW "Allow: GET, HEAD, OPTIONS"
static const struct {
  const char *name;
  int what;
} s_static_methods[] = {
    {"GET", STATIC_M_SERVE},          {"HEAD", STATIC_M_SERVE},
    {"OPTIONS", STATIC_M_OPTIONS},    {"POST", STATIC_M_NOT_ALLOWED},
    {"PUT", STATIC_M_NOT_ALLOWED},    {"DELETE", STATIC_M_NOT_ALLOWED},
    {"PATCH", STATIC_M_NOT_ALLOWED},  {"CONNECT", STATIC_M_NOT_ALLOWED},
    {"TRACE", STATIC_M_NOT_ALLOWED},
};

static int static_method(struct mg_str method) {
  size_t i;
  for (i = 0; i < MG_ARRAY_SIZE(s_static_methods); i++) {
    if (mg_vcmp(&method, s_static_methods[i].name) == 0) {
      return s_static_methods[i].what;
    }
  }
  return -1;
}

// 200 with Allow and an empty body.
static void static_send_options(struct static_req *r) {
  struct static_out h;
  memset(&h, 0, sizeof(h));
  static_hdr(&h, STATIC_ALLOW);
  static_hdr_block(&h, r->extra);
  static_send(r->nc, r->hm, 200, &h, mg_mk_str(""));
}

// Order: IP ACL (403), unknown method (501), OPTIONS *, path decoding
// (400/404), rewrites (a reverse-proxy target goes to
// mg_http_proxy_rewrite), OPTIONS (200) and other known methods (405), then
// the file.
void mg_serve_http(struct mg_connection *nc, struct http_message *hm,
                   struct mg_serve_http_opts opts) {
  struct static_req r;
  int m = static_method(hm->method);
  memset(&r, 0, sizeof(r));
  r.file.fd = -1;
  r.nc = nc;
  r.hm = hm;
  r.opts = &opts;
  r.extra = mg_mk_str(opts.extra_headers);
  r.root = opts.document_root != NULL && *opts.document_root != '\0'
               ? opts.document_root
               : ".";
  if (!static_acl_allows(nc, opts.ip_acl)) {
    static_fail(&r, 403, NULL);
  } else if (m < 0) {
    static_fail(&r, 501, NULL);
  } else if (m == STATIC_M_OPTIONS && mg_vcmp(&hm->uri, "*") == 0) {
    static_send_options(&r);
  } else if (static_decode_uri(&r) && static_rewrite(&r)) {
    if (m == STATIC_M_OPTIONS) {
      static_send_options(&r);
    } else if (m == STATIC_M_NOT_ALLOWED) {
      static_send_text(nc, hm, 405, r.extra, STATIC_ALLOW, NULL);
    } else {
      static_serve(&r);
    }
  }
  static_close(r.file.fd);
  MG_FREE(r.root_buf);
  MG_FREE(r.uri_path);
  MG_FREE(r.local);
}

#endif  // MG_ENABLE_HTTP && MG_ENABLE_FILESYSTEM
