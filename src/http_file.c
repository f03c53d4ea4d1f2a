#include "http_internal.h"

// Serving one file: mg_http_serve_file() (ETag, Last-Modified, conditional
// requests, byte ranges, HEAD), streaming the body in bounded pieces or
// with sendfile(), and MIME types.
//
// - Several byte ranges ("bytes=0-1,5-6") get a multipart/byteranges 206
//   (http_range.c), read part by part as the socket drains.
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

// Bytes asked of one sendfile() call: at most 1 GiB, so that a remainder
// of 4 GiB or more never wraps to 0 (or to a few bytes) in a 32-bit
// size_t, which stalled such a download on 32-bit systems.
#define HTTP_SENDFILE_MAX ((int64_t) 1 << 30)
static size_t file_sendfile_len(int64_t remaining) {
  return (size_t) (remaining < HTTP_SENDFILE_MAX ? remaining
                                                 : HTTP_SENDFILE_MAX);
}

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
  n = mg_conn_sendfile(nc, fileno(fs->fp), &fs->offset,
                       file_sendfile_len(fs->remaining));
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
  int failed = 0, more;
  if (pd == NULL || pd->file.fp == NULL) return;
  if (file_sendfile(nc, pd)) return;
  while (nc->send_mbuf.len < HTTP_FILE_QUEUE_MAX) {
    if (pd->file.remaining <= 0) {
      // Several ranges: the next part, or the end of the body.
      if (pd->file.multi == NULL) break;
      if ((more = mg_http_multirange_next(nc, &pd->file)) <= 0) {
        failed = more < 0;
        break;
      }
    }
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
  if (failed ||
      (pd->file.remaining <= 0 &&
       (pd->file.multi == NULL || pd->file.multi->cur > pd->file.multi->n))) {
    mg_http_free_file_state(&pd->file);
  }
}

// ---- Dates and validators --------------------------------------------------

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
static int http_name_index(const char *s, const char *const *names, int n) {
  int i;
  for (i = 0; i < n; i++) {
    if (memcmp(s, names[i], 3) == 0) return i;
  }
  return -1;
}

// Returns 1 if s matches the template tpl: 'a' a letter, '0' a digit,
// '_' a digit or a space, anything else itself.
static int http_date_matches(const char *s, const char *tpl) {
  for (; *tpl != '\0'; s++, tpl++) {
    if (*tpl == '0'   ? !isdigit((unsigned char) *s)
        : *tpl == 'a' ? !isalpha((unsigned char) *s)
        : *tpl == '_' ? *s != ' ' && !isdigit((unsigned char) *s)
                      : *s != *tpl) {
      return 0;
    }
  }
  return 1;
}

// The fields of a date, whichever form it came in.
struct http_date {
  int year, mon, mday, hour, min, sec;
};

// RFC 850's weekday names, whose first three letters are mg_http_days.
static const char *const s_http_long_days[] = {
    "Sunday",   "Monday", "Tuesday", "Wednesday",
    "Thursday", "Friday", "Saturday"};

// The three forms of RFC 9110 5.6.7, into d. Returns 0 if s is none.
//   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
//   rfc850-date  "Sunday, 06-Nov-94 08:49:37 GMT"
//   asctime      "Sun Nov  6 08:49:37 1994"
static int http_date_fields(struct mg_str s, struct http_date *d) {
  const char *p = s.p, *comma = mg_strchr(s, ',');
  size_t w;
  int yy, now_year;
  struct tm tm;
  time_t now;
  if (s.len == 29 && http_date_matches(p, "aaa, 00 aaa 0000 00:00:00 GMT")) {
    if (http_name_index(p, mg_http_days, 7) < 0) return 0;
    d->mday = http_digits(p + 5, 2), d->year = http_digits(p + 12, 4);
    d->mon = http_name_index(p + 8, mg_http_months, 12);
    p += 17;
  } else if (s.len == 24 && http_date_matches(p, "aaa aaa _0 00:00:00 0000")) {
    if (http_name_index(p, mg_http_days, 7) < 0) return 0;
    d->mon = http_name_index(p + 4, mg_http_months, 12);
    d->mday = (p[8] == ' ' ? 0 : p[8] - '0') * 10 + p[9] - '0';
    d->year = http_digits(p + 20, 4);
    p += 11;
  } else if (comma != NULL && (w = (size_t) (comma - p)) >= 6 && w <= 9 &&
             s.len == w + 24 &&
             http_date_matches(comma, ", 00-aaa-00 00:00:00 GMT")) {
    yy = http_name_index(p, mg_http_days, 7);
    if (yy < 0 || strlen(s_http_long_days[yy]) != w ||
        memcmp(p, s_http_long_days[yy], w) != 0) {
      return 0;
    }
    d->mday = http_digits(comma + 2, 2);
    d->mon = http_name_index(comma + 5, mg_http_months, 12);
    // A two-digit year more than 50 years ahead is in the past century.
    now = time(NULL);
    memset(&tm, 0, sizeof(tm));
    gmtime_r(&now, &tm);
    now_year = tm.tm_year + 1900;
    yy = http_digits(comma + 9, 2);
    d->year = now_year / 100 * 100 + yy;
    if (d->year > now_year + 50) d->year -= 100;
    p = comma + 12;
  } else {
    return 0;
  }
  d->hour = http_digits(p, 2);
  d->min = http_digits(p + 3, 2);
  d->sec = http_digits(p + 6, 2);
  return 1;
}

// Parses an HTTP date in any of its three forms. Returns 1 and sets *t, or
// 0 if invalid: the caller then ignores the header, as RFC 9110 allows.
// A date past what time_t holds (2038 with a 32-bit time_t) is clamped to
// the largest value.
static int http_parse_date(struct mg_str s, time_t *t) {
  static const int cum[] = {0,   31,  59,  90,  120, 151,
                            181, 212, 243, 273, 304, 334};
  struct http_date d;
  int64_t days, secs, max;
  int leap;
  if (!http_date_fields(mg_strstrip(s), &d) || d.mon < 0 || d.year < 1970 ||
      d.mday < 1 || d.mday > 31 || d.hour > 23 || d.min > 59 || d.sec > 60) {
    return 0;
  }
  leap = (d.year % 4 == 0 && d.year % 100 != 0) || d.year % 400 == 0;
  days = 365 * (int64_t) (d.year - 1970) + http_leaps_before(d.year) -
         http_leaps_before(1970) + cum[d.mon] + (d.mon > 1 && leap) + d.mday -
         1;
  secs = days * 86400 + d.hour * 3600 + d.min * 60 + d.sec;
  max = sizeof(time_t) >= 8 ? INT64_MAX : (int64_t) INT32_MAX;
  *t = (time_t) (secs > max ? max : secs);
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
  int nranges;        // > 1: several ranges, a multipart/byteranges body
  struct mg_http_range ranges[MG_MAX_HTTP_RANGES];
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

// Picks the bytes to send: returns 200, 206 or 416, with f->start and
// f->len (one range) or f->ranges (several). If-Range that does not equal
// the ETag or the Last-Modified date disables the range (200).
static int file_pick_range(struct http_message *hm, struct file_info *f) {
  struct mg_str *range = mg_get_http_header(hm, "Range");
  struct mg_str *if_range = mg_get_http_header(hm, "If-Range");
  int n;
  f->start = 0;
  f->len = f->size;
  f->nranges = 0;
  if (range == NULL ||
      (mg_vcmp(&hm->method, "GET") != 0 && mg_vcmp(&hm->method, "HEAD") != 0)) {
    return 200;
  }
  if (if_range != NULL && mg_vcmp(if_range, f->etag) != 0 &&
      mg_vcmp(if_range, f->modified) != 0) {
    return 200;
  }
  n = mg_http_parse_ranges(*range, f->size, f->ranges);
  if (n < 0) return 200;
  if (n == 0) return 416;
  if (n > 1) f->nranges = n;
  f->start = f->ranges[0].start;
  f->len = f->ranges[0].len;
  return 206;
}

// Adds the validators and the extra headers.
static void file_validators(struct mg_http_out *h, const struct file_info *f,
                            struct mg_str extra) {
  mg_http_out_hdr(h, "ETag: %s", f->etag);
  mg_http_out_hdr(h, "Last-Modified: %s", f->modified);
  mg_http_out_hdr_block(h, extra);
}

// Sends the head of a 200/206 response (m: the multipart body of several
// ranges, else NULL). Returns 0 if it could not.
static int file_head(struct mg_connection *nc, int code,
                     const struct file_info *f, struct mg_str mime,
                     struct mg_str extra, const struct mg_http_multirange *m) {
  struct mg_http_out h;
  const char *hdrs;
  memset(&h, 0, sizeof(h));
  if (m != NULL) {
    mg_http_out_hdr(&h, "Content-Type: multipart/byteranges; boundary=%s",
                    m->boundary);
  } else {
    mg_http_out_hdr(&h, "Content-Type: %.*s", (int) mime.len, mime.p);
  }
  mg_http_out_hdr(&h, "Accept-Ranges: bytes");
  if (code == 206 && m == NULL) {
    mg_http_out_hdr(&h, "Content-Range: bytes %lld-%lld/%lld",
                    (long long) f->start, (long long) (f->start + f->len - 1),
                    (long long) f->size);
  }
  file_validators(&h, f, extra);
  if ((hdrs = mg_http_out_str(&h)) != NULL) {
    mg_send_head(nc, code, m != NULL ? mg_http_multirange_length(m) : f->len,
                 hdrs);
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
  struct mg_http_multirange *m = NULL;
  FILE *fp = NULL;
  if (pd != NULL && f->nranges > 1) {
    m = mg_http_multirange_new(f->ranges, f->nranges, f->size, mime, f->etag);
  }
  if (pd == NULL || (f->nranges > 1 && m == NULL) ||
      (body && (f->len >= HTTP_SENDFILE_MIN || m != NULL) &&
       (fp = file_stream_open(fd, f->start)) == NULL)) {
    if (pd == NULL || (f->nranges > 1 && m == NULL)) close(fd);
    MG_FREE(m);
    MG_ERROR(
        ("%p out of memory (or the file would not open), 500", (void *) nc));
    mg_http_send_error(nc, 500, NULL);
    return;
  }
  if (file_head(nc, code, f, mime, extra, m) && body) {
    if (fp != NULL) {
      // Several ranges are read part by part (no sendfile): mode 1.
      pd->file.fp = fp;
      pd->file.multi = m;
      pd->file.mode = m != NULL ? 1 : 0;
      pd->file.remaining = m != NULL ? 0 : f->len;
      mg_http_transfer_file_data(nc);
      return;  // fp and m now belong to the connection.
    }
    file_read_small(nc, fd, f->start, f->len);
  }
  MG_FREE(m);
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
  mg_http_format_date(f.modified, sizeof(f.modified), f.mtime);
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
