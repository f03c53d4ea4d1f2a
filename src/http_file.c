#include "http_internal.h"

// Serving one file: mg_http_serve_file() (ETag, Last-Modified, conditional
// requests, one byte range, HEAD), streaming the body in bounded pieces or
// with sendfile(), and MIME types.
//
// - Several byte ranges ("bytes=0-1,5-6") are answered with the whole file
//   (200): RFC 9110 lets a server ignore Range.
// - Files below HTTP_SENDFILE_MIN are read into send_mbuf with one pread();
//   larger ones are streamed or go out with sendfile().

#if MG_ENABLE_HTTP && MG_ENABLE_FILESYSTEM

// send_mbuf is topped up with file data to this many bytes. The default
// MG_MAX_HTTP_SEND_MBUF (4 KiB) alone would cost one poll round per 4 KiB;
// 64 KiB keeps a fast socket busy while memory stays flat and bounded
// (20 clients downloading a large file queue at most ~1.3 MB in all).
#define HTTP_FILE_QUEUE_MAX \
  (MG_MAX_HTTP_SEND_MBUF > 65536 ? MG_MAX_HTTP_SEND_MBUF : 65536)

// ---- Streaming the body ----------------------------------------------------

// Reads up to want bytes of fp straight into the free end of send_mbuf.
// Returns the number of bytes read (short on EOF, error or no memory).
static size_t file_read_piece(struct mg_connection *nc, FILE *fp, size_t want) {
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
static int file_sendfile(struct mg_connection *nc,
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
  struct mg_http_proto_data *pd = (struct mg_http_proto_data *) nc->proto_data;
  size_t want, n;
  int failed = 0;
  if (pd == NULL || pd->file.fp == NULL) return;
  if (file_sendfile(nc, pd)) return;
  while (pd->file.remaining > 0 && nc->send_mbuf.len < HTTP_FILE_QUEUE_MAX) {
    want = HTTP_FILE_QUEUE_MAX - nc->send_mbuf.len;
    if ((int64_t) want > pd->file.remaining) {
      want = (size_t) pd->file.remaining;
    }
    n = file_read_piece(nc, pd->file.fp, want);
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

// ---- Dates and validators --------------------------------------------------

static const char *s_file_days[] = {"Sun", "Mon", "Tue", "Wed",
                                    "Thu", "Fri", "Sat"};
static const char *s_file_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Formats t as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), with
// fixed English names whatever the C locale.
static void http_format_date(char *buf, size_t len, time_t t) {
  struct tm tm;
  memset(&tm, 0, sizeof(tm));
  gmtime_r(&t, &tm);
  snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d GMT",
           s_file_days[(unsigned) tm.tm_wday % 7], tm.tm_mday,
           s_file_months[(unsigned) tm.tm_mon % 12], tm.tm_year + 1900,
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
  static const int cum[] = {0,   31,  59,  90,  120, 151,
                            181, 212, 243, 273, 304, 334};
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
  mon = http_name_index(p + 8, s_file_months, 12);
  year = http_digits(p + 12, 4);
  if (http_name_index(p, s_file_days, 7) < 0 || mon < 0 || year < 1970 ||
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
struct file_info {
  int64_t size;        // Whole file
  int64_t start, len;  // The bytes sent
  time_t mtime;
  char etag[64];      // "\"<mtime hex>.<size hex>\""
  char modified[64];  // IMF-fixdate of mtime
};

// Returns 1 if a conditional GET/HEAD is answered by 304. If-None-Match,
// when present, decides alone (RFC 9110 13.2.2); otherwise a valid
// If-Modified-Since not older than the file's mtime does.
static int file_not_modified(struct http_message *hm,
                             const struct file_info *f) {
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
static int file_pick_range(struct http_message *hm, struct file_info *f) {
  struct mg_str *range = mg_get_http_header(hm, "Range");
  struct mg_str *if_range = mg_get_http_header(hm, "If-Range");
  int64_t a = 0, b = 0;
  int res;
  f->start = 0;
  f->len = f->size;
  if (range == NULL ||
      (mg_vcmp(&hm->method, "GET") != 0 && mg_vcmp(&hm->method, "HEAD") != 0)) {
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
static void file_validators(struct mg_http_out *h, const struct file_info *f,
                            struct mg_str extra) {
  mg_http_out_hdr(h, "ETag: %s", f->etag);
  mg_http_out_hdr(h, "Last-Modified: %s", f->modified);
  mg_http_out_hdr_block(h, extra);
}

// Sends the head of a 200/206 response. Returns 0 if it could not.
static int file_head(struct mg_connection *nc, int code,
                     const struct file_info *f, struct mg_str mime,
                     struct mg_str extra) {
  struct mg_http_out h;
  const char *hdrs;
  memset(&h, 0, sizeof(h));
  mg_http_out_hdr(&h, "Content-Type: %.*s", (int) mime.len, mime.p);
  mg_http_out_hdr(&h, "Accept-Ranges: bytes");
  if (code == 206) {
    mg_http_out_hdr(&h, "Content-Range: bytes %lld-%lld/%lld",
                    (long long) f->start, (long long) (f->start + f->len - 1),
                    (long long) f->size);
  }
  file_validators(&h, f, extra);
  if ((hdrs = mg_http_out_str(&h)) != NULL) {
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
static void file_read_small(struct mg_connection *nc, int fd, int64_t start,
                            int64_t len) {
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
static FILE *file_stream_open(int fd, int64_t start) {
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
static void file_body(struct mg_connection *nc, struct http_message *hm, int fd,
                      int code, const struct file_info *f, struct mg_str mime,
                      struct mg_str extra) {
  struct mg_http_proto_data *pd = mg_http_get_proto_data(nc);
  int body = mg_vcmp(&hm->method, "HEAD") != 0 && f->len > 0;
  FILE *fp = NULL;
  if (pd == NULL || (body && f->len >= HTTP_SENDFILE_MIN &&
                     (fp = file_stream_open(fd, f->start)) == NULL)) {
    if (pd == NULL) close(fd);
    mg_http_send_error(nc, 500, NULL);
    return;
  }
  if (file_head(nc, code, f, mime, extra) && body) {
    if (fp != NULL) {
      pd->file.fp = fp;
      pd->file.remaining = f->len;
      mg_http_transfer_file_data(nc);
      return;  // fp now belongs to the connection.
    }
    file_read_small(nc, fd, f->start, f->len);
  }
  if (fp != NULL) {
    fclose(fp);
  } else {
    close(fd);
  }
}

// Answers a request for the open file fd (which it takes over) without a
// body (304, 416) or with one.
static void file_respond(struct mg_connection *nc, struct http_message *hm,
                         int fd, struct file_info *f, struct mg_str mime,
                         struct mg_str extra) {
  struct mg_http_out h;
  int code;
  memset(&h, 0, sizeof(h));
  if (file_not_modified(hm, f)) {
    file_validators(&h, f, extra);
    mg_http_out_send(nc, hm, 304, &h, mg_mk_str(""));
  } else if ((code = file_pick_range(hm, f)) == 416) {
    mg_http_out_hdr(&h, "Content-Range: bytes */%lld", (long long) f->size);
    mg_http_out_hdr_block(&h, extra);
    mg_http_out_send(nc, hm, 416, &h, mg_mk_str(""));
  } else {
    file_body(nc, hm, fd, code, f, mime, extra);
    return;
  }
  close(fd);
}

// Serves the regular file st that is open as fd (taken over); fd < 0: the
// open failed with errno err (404 for ENOENT, else 403).
void mg_http_serve_fd(struct mg_connection *nc, struct http_message *hm, int fd,
                      int err, const cs_stat_t *st, struct mg_str mime,
                      struct mg_str extra) {
  struct mg_http_proto_data *pd = mg_http_get_proto_data(nc);
  struct file_info f;
  if (pd != NULL) mg_http_free_file_state(&pd->file);
  if (fd < 0) {
    mg_http_out_send_text(nc, hm, err == ENOENT ? 404 : 403, extra, NULL, NULL);
    return;
  }
  memset(&f, 0, sizeof(f));
  f.size = (int64_t) st->st_size;
  f.mtime = st->st_mtime;
  snprintf(f.etag, sizeof(f.etag), "\"%lx.%llx\"", (unsigned long) f.mtime,
           (unsigned long long) f.size);
  http_format_date(f.modified, sizeof(f.modified), f.mtime);
  file_respond(nc, hm, fd, &f, mime, extra);
}

void mg_http_serve_file(struct mg_connection *nc, struct http_message *hm,
                        const char *path, const struct mg_str mime_type,
                        const struct mg_str extra_headers) {
  struct mg_http_proto_data *pd = mg_http_get_proto_data(nc);
  cs_stat_t st;
  int fd;
  if (pd != NULL) mg_http_free_file_state(&pd->file);
  if (mg_stat(path, &st) != 0) {
    mg_http_out_send_text(nc, hm, 404, extra_headers, NULL, NULL);
  } else if (!S_ISREG(st.st_mode)) {
    mg_http_out_send_text(nc, hm, 403, extra_headers, NULL, NULL);
  } else {
    fd = mg_http_open_ro(path);
    mg_http_serve_fd(nc, hm, fd, errno, &st, mime_type, extra_headers);
  }
}

// ---- MIME types ------------------------------------------------------------

static const struct {
  const char *ext;
  const char *type;
} s_file_mime[] = {
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
static int file_has_suffix(const char *path, struct mg_str suffix) {
  size_t n = strlen(path);
  return suffix.len > 0 && n >= suffix.len &&
         mg_ncasecmp(path + n - suffix.len, suffix.p, suffix.len) == 0;
}

// The MIME type of path: custom_mime_types (".ext=type,...", suffix match)
// first, then the built-in table ('.' + extension), else octet-stream.
struct mg_str mg_http_mime_type(const char *path, const char *custom) {
  struct mg_str ext, type;
  const char *dot = strrchr(path, '.');
  size_t i;
  while ((custom = mg_next_comma_list_entry(custom, &ext, &type)) != NULL) {
    ext = mg_strstrip(ext);
    if (type.p != NULL && file_has_suffix(path, ext)) {
      return mg_strstrip(type);
    }
  }
  for (i = 0; dot != NULL && i < MG_ARRAY_SIZE(s_file_mime); i++) {
    if (mg_casecmp(dot + 1, s_file_mime[i].ext) == 0) {
      return mg_mk_str(s_file_mime[i].type);
    }
  }
  return mg_mk_str("application/octet-stream");
}

#endif  // MG_ENABLE_HTTP && MG_ENABLE_FILESYSTEM
