#include "http_internal.h"

// HTTP/1.1 message parsing (RFC 9110, RFC 9112): the request/status line,
// the header block, message framing (Content-Length, Transfer-Encoding) and
// chunked bodies. Everything here is pure: no allocation, no I/O, results
// point into the input. The helpers that read header fields once a message
// is parsed are in http_header.c.

#if MG_ENABLE_HTTP

// Character classes, one bit each, indexed by byte value.
#define HTTP_P_TCHAR 1   // token character (RFC 9110 5.6.2 tchar)
#define HTTP_P_FIELD 2   // field value byte: HT, SP, VCHAR, obs-text
#define HTTP_P_TARGET 4  // request-target byte: VCHAR, obs-text

static const unsigned char s_http_chars[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0,  // 00
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  // 10
    2, 7, 6, 7, 7, 7, 7, 7, 6, 6, 7, 7, 6, 7, 7, 6,  // 20
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 6, 6, 6, 6, 6,  // 30
    6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,  // 40
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 6, 6, 7, 7,  // 50
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,  // 60
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 7, 6, 7, 0,  // 70
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,  // 80
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,  // 90
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,  // a0
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,  // b0
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,  // c0
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,  // d0
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,  // e0
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,  // f0
};

// Transfer codings we know (RFC 9112 7, with the x- aliases of 7.2). Any
// other coding is answered with 501. "identity" was removed by RFC 7230.
static const char *const s_http_codings[] = {
    "chunked", "gzip", "x-gzip", "deflate", "compress", "x-compress",
};

// The largest Content-Length accepted: SIZE_MAX / 2 (2^63 - 1 on 64-bit
// systems), so that head + body lengths never wrap and (size_t) -1 stays
// free to mean "unknown length".
#define HTTP_P_MAX_BODY (((size_t) -1) / 2)

// State of one mg_http_parse() call.
struct http_parser {
  const char *s;            // Input
  size_t n;                 // Bytes looked at: min(n, head size limit)
  size_t pos;               // Start of the next line
  struct http_message *hm;  // Output
  int is_req;               // Parsing a request, not a response
  int status;               // Status code answering an error
  int num_headers;          // Headers stored so far
};

static int http_is(unsigned char c, int cls) {
  return (s_http_chars[c] & cls) != 0;
}

static int http_is_digit(char c) {
  return c >= '0' && c <= '9';
}

static int http_is_ws(char c) {
  return c == ' ' || c == '\t';
}

// Returns 1 if the slice is exactly the string str (case-sensitive).
static int http_eq(struct mg_str a, const char *str) {
  size_t len = strlen(str);
  return a.len == len && memcmp(a.p, str, len) == 0;
}

static int http_fail(struct http_parser *p, int status) {
  p->status = status;
  return -1;
}

// Finds the end of the line that starts at s + pos. Returns 1 with *end (one
// past the line's last byte, before the CR/LF) and *next (the start of the
// next line); 0 if the line is not complete, with *end = the bytes of it
// seen so far (a trailing CR excluded); -1 on a CR not followed by LF, or on
// a bare LF when lf_ok is 0.
static int http_find_line(const char *s, size_t n, size_t pos, int lf_ok,
                          size_t *end, size_t *next) {
  size_t i;
  for (i = pos; i < n; i++) {
    if (s[i] == '\n') {
      if (!lf_ok) return -1;
      *end = i, *next = i + 1;
      return 1;
    }
    if (s[i] != '\r') continue;
    if (i + 1 >= n) break;
    if (s[i + 1] != '\n') return -1;
    *end = i, *next = i + 2;
    return 1;
  }
  *end = i;
  return 0;
}

// Returns the status answering a version other than HTTP/1.x: 505 for a
// well-formed "HTTP/" DIGIT ["." DIGIT] of another major version (HTTP/2,
// HTTP/2.0, HTTP/3, HTTP/0.9), 400 for anything else; 0 for HTTP/1.0,
// HTTP/1.1 and a higher minor of 1 (HTTP/1.2), which RFC 9110 2.5 wants
// served as the highest minor known: *v then becomes "HTTP/1.1".
static int http_version_status(struct mg_str *v) {
  if (http_eq(*v, "HTTP/1.1") || http_eq(*v, "HTTP/1.0")) return 0;
  if (v->len == 8 && memcmp(v->p, "HTTP/1.", 7) == 0 &&
      http_is_digit(v->p[7])) {
    *v = mg_mk_str("HTTP/1.1");
    return 0;
  }
  if (v->len >= 6 && memcmp(v->p, "HTTP/", 5) == 0 && http_is_digit(v->p[5]) &&
      (v->len == 6 ||
       (v->len == 8 && v->p[6] == '.' && http_is_digit(v->p[7])))) {
    return 505;
  }
  return 400;
}

static int http_is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// absolute-form (RFC 9112 3.2.2): scheme "://" and a non-empty authority;
// scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
static int http_is_absolute_form(struct mg_str t) {
  size_t i = 1;
  char c;
  if (!http_is_alpha(t.p[0])) return 0;
  for (; i < t.len; i++) {
    c = t.p[i];
    if (!http_is_alpha(c) && !http_is_digit(c) && c != '+' && c != '-' &&
        c != '.') {
      break;
    }
  }
  if (t.len - i < 4 || memcmp(t.p + i, "://", 3) != 0) return 0;
  c = t.p[i + 3];
  return c != '/' && c != '?' && c != '#';
}

// authority-form (RFC 9112 3.2.3), for CONNECT: host ":" 1*DIGIT.
static int http_is_authority_form(struct mg_str t) {
  size_t i, colon = 0;
  for (i = 0; i < t.len; i++) {
    if (t.p[i] == '/' || t.p[i] == '?' || t.p[i] == '#' || t.p[i] == '@') {
      return 0;
    }
    if (t.p[i] == ':') colon = i;
  }
  if (colon == 0 || colon + 1 == t.len) return 0;
  for (i = colon + 1; i < t.len; i++) {
    if (!http_is_digit(t.p[i])) return 0;
  }
  return 1;
}

// Checks the request-target form against the method (RFC 9112 3.2).
static int http_target_ok(struct mg_str method, struct mg_str t) {
  if (http_eq(method, "CONNECT")) return http_is_authority_form(t);
  if (t.p[0] == '/') return 1;
  if (t.len == 1 && t.p[0] == '*') return http_eq(method, "OPTIONS");
  return http_is_absolute_form(t);
}

// Sets uri and query_string from the target, split at the first '?'.
static void http_set_uri(struct http_message *hm, struct mg_str t) {
  const char *q = (const char *) memchr(t.p, '?', t.len);
  hm->uri = t;
  if (q == NULL) {
    hm->query_string = mg_mk_str_n(t.p + t.len, 0);
  } else {
    hm->uri.len = (size_t) (q - t.p);
    hm->query_string = mg_mk_str_n(q + 1, t.len - hm->uri.len - 1);
  }
}

// request-line = method SP request-target SP HTTP-version, in [b, e).
static int http_parse_request_line(struct http_parser *p, size_t b, size_t e) {
  const char *s = p->s;
  size_t i = b, t;
  struct mg_str target;
  int st;
  while (i < e && http_is((unsigned char) s[i], HTTP_P_TCHAR)) i++;
  if (i == b || i >= e || s[i] != ' ') return http_fail(p, 400);
  p->hm->method = mg_mk_str_n(s + b, i - b);
  t = ++i;
  while (i < e && http_is((unsigned char) s[i], HTTP_P_TARGET)) i++;
  if (i == t || i >= e || s[i] != ' ') return http_fail(p, 400);
  target = mg_mk_str_n(s + t, i - t);
  p->hm->proto = mg_mk_str_n(s + i + 1, e - i - 1);
  if ((st = http_version_status(&p->hm->proto)) != 0) return http_fail(p, st);
  if (!http_target_ok(p->hm->method, target)) return http_fail(p, 400);
  http_set_uri(p->hm, target);
  return 0;
}

// status-line = HTTP-version SP 3DIGIT SP [reason-phrase], in [b, e); the
// SP after the code may be missing when the reason is empty.
static int http_parse_status_line(struct http_parser *p, size_t b, size_t e) {
  const char *s = p->s;
  size_t i = b;
  int st;
  while (i < e && s[i] != ' ') i++;
  p->hm->proto = mg_mk_str_n(s + b, i - b);
  if ((st = http_version_status(&p->hm->proto)) != 0) return http_fail(p, st);
  if (e - i < 4 || s[i + 1] < '1' || s[i + 1] > '9' ||
      !http_is_digit(s[i + 2]) || !http_is_digit(s[i + 3])) {
    return http_fail(p, 400);
  }
  p->hm->resp_code =
      (s[i + 1] - '0') * 100 + (s[i + 2] - '0') * 10 + (s[i + 3] - '0');
  i += 4;
  if (i < e && s[i] != ' ') return http_fail(p, 400);
  if (i < e) i++;
  p->hm->resp_status_msg = mg_mk_str_n(s + i, e - i);
  for (; i < e; i++) {
    if (!http_is((unsigned char) s[i], HTTP_P_FIELD)) return http_fail(p, 400);
  }
  return 0;
}

// field-line = field-name ":" OWS field-value OWS, in [b, e) of s. No
// whitespace is allowed before the colon or at the start of the line
// (obs-fold). Returns 0 with name and value set, -1 if malformed.
static int http_parse_field_line(const char *s, size_t b, size_t e,
                                 struct mg_str *name, struct mg_str *value) {
  size_t i = b, ve = e;
  while (i < e && http_is((unsigned char) s[i], HTTP_P_TCHAR)) i++;
  if (i == b || i >= e || s[i] != ':') return -1;
  *name = mg_mk_str_n(s + b, i - b);
  for (i++; i < e && http_is_ws(s[i]);) i++;
  while (ve > i && http_is_ws(s[ve - 1])) ve--;
  *value = mg_mk_str_n(s + i, ve - i);
  for (; i < ve; i++) {
    if (!http_is((unsigned char) s[i], HTTP_P_FIELD)) return -1;
  }
  return 0;
}

// Skips empty lines before the start line (RFC 9112 2.2). Returns 1 when a
// start line begins at p->pos, 0 if more bytes are needed, -1 on a bare CR
// or when the start line's first byte is not a token character: both a
// method and "HTTP/" start with one, so that is known at once, without
// waiting for the line to end (6.x, too, fails on a control byte at once).
static int http_skip_empty_lines(struct http_parser *p) {
  size_t end, next;
  int r;
  while (p->pos < p->n && (p->s[p->pos] == '\r' || p->s[p->pos] == '\n')) {
    r = http_find_line(p->s, p->n, p->pos, 1, &end, &next);
    if (r < 0) return http_fail(p, 400);
    if (r == 0) return 0;
    p->pos = next;
  }
  if (p->pos >= p->n) return 0;
  if (!http_is((unsigned char) p->s[p->pos], HTTP_P_TCHAR)) {
    return http_fail(p, 400);
  }
  return 1;
}

// Returns 1 if the bytes [sc->line_scan, e) of an incomplete request line
// can still continue a valid one: a method token, SP, target bytes, SP and
// a prefix of "HTTP/" DIGIT "." DIGIT. So a byte that cannot be there
// (binary garbage, a TLS record after the first bytes) fails at once, not
// at the timeout. Resumable: the field and its length so far are kept in
// sc, so each byte is looked at once however the line arrives.
static int http_scan_prefix(const char *s, size_t e, struct mg_http_scan *sc) {
  static const char *ver = "HTTP/0.0";
  size_t i;
  unsigned char c;
  for (i = sc->line_scan; i < e; i++, sc->work++) {
    c = (unsigned char) s[i];
    if (sc->field < 2) {
      int cls = sc->field == 0 ? HTTP_P_TCHAR : HTTP_P_TARGET;
      if (http_is(c, cls)) {
        sc->count++;
      } else if (c == ' ' && sc->count > 0) {
        sc->field++, sc->count = 0;
      } else {
        return 0;
      }
    } else if (sc->count >= 8 ||
               (ver[sc->count] == '0' ? !http_is_digit(s[i])
                                      : c != ver[sc->count])) {
      return 0;
    } else {
      sc->count++;
    }
  }
  return 1;
}

// The same check over the whole incomplete line [b, e), for one-shot
// parsing (mg_http_parse()).
static int http_request_prefix_ok(const char *s, size_t b, size_t e) {
  struct mg_http_scan sc;
  memset(&sc, 0, sizeof(sc));
  sc.line_scan = b;
  return http_scan_prefix(s, e, &sc);
}

// Parses the start line. Returns 1 when done, 0 if more bytes are needed.
static int http_parse_start_line(struct http_parser *p) {
  size_t end, next;
  int r = http_find_line(p->s, p->n, p->pos, 1, &end, &next);
  if (r < 0) return http_fail(p, 400);
  // end is also set when the line is incomplete: a long one fails early.
  if (end - p->pos > MG_MAX_HTTP_REQUEST_LINE) {
    return http_fail(p, p->is_req ? 414 : 400);
  }
  if (r == 0) {
    if (p->is_req && !http_request_prefix_ok(p->s, p->pos, end)) {
      return http_fail(p, 400);
    }
    return 0;
  }
  p->hm->message.p = p->s + p->pos;
  r = p->is_req ? http_parse_request_line(p, p->pos, end)
                : http_parse_status_line(p, p->pos, end);
  if (r < 0) return -1;
  p->pos = next;
  return 1;
}

// Parses header lines up to the empty line. Returns 1 when the head is
// complete (p->pos is then its length), 0 if more bytes are needed.
static int http_parse_headers(struct http_parser *p) {
  struct http_message *hm = p->hm;
  struct mg_str name, value;
  size_t end, next;
  int r;
  for (;;) {
    r = http_find_line(p->s, p->n, p->pos, 1, &end, &next);
    if (r <= 0) return r < 0 ? http_fail(p, 400) : 0;
    if (end == p->pos) break;
    if (http_parse_field_line(p->s, p->pos, end, &name, &value) < 0) {
      return http_fail(p, 400);
    }
    if (p->num_headers >= MG_MAX_HTTP_HEADERS) return http_fail(p, 431);
    hm->header_names[p->num_headers] = name;
    hm->header_values[p->num_headers++] = value;
    p->pos = next;
  }
  p->pos = next;
  return 1;
}

// Content-Length = 1*DIGIT, at most HTTP_P_MAX_BODY. Returns 0; -1 if
// malformed or past 64 bits (PROTOCOL_RULES.md: 400); -2 if a valid 64-bit
// number larger than HTTP_P_MAX_BODY (413: on a 32-bit size_t that is
// anything from 2 GiB on, which must never wrap).
static int http_parse_content_length(struct mg_str v, size_t *out) {
  uint64_t x = 0, d;
  size_t i;
  if (v.len == 0) return -1;
  for (i = 0; i < v.len; i++) {
    if (!http_is_digit(v.p[i])) return -1;
    d = (uint64_t) (v.p[i] - '0');
    if (x > (UINT64_MAX - d) / 10) return -1;
    x = x * 10 + d;
  }
  if (x > (uint64_t) HTTP_P_MAX_BODY) return -2;
  *out = (size_t) x;
  return 0;
}

// Reads every Content-Length header: they must all be valid and equal.
// Returns 1 with *len set, 0 if there is none, -1 if invalid, -2 if too
// large to be taken (413).
static int http_content_length(const struct http_message *hm, size_t *len) {
  int i, found = 0, r;
  size_t v;
  for (i = 0; i < MG_MAX_HTTP_HEADERS && hm->header_names[i].len > 0; i++) {
    if (mg_vcasecmp(&hm->header_names[i], "Content-Length") != 0) continue;
    if ((r = http_parse_content_length(hm->header_values[i], &v)) < 0) {
      return r;
    }
    if (found && v != *len) return -1;
    *len = v, found = 1;
  }
  return found;
}

// Looks up one transfer coding (without parameters). Returns 1 for chunked,
// 0 for another known coding, -1 for an unknown one.
static int http_coding_kind(struct mg_str c) {
  size_t i;
  for (i = 0; i < MG_ARRAY_SIZE(s_http_codings); i++) {
    if (mg_vcasecmp(&c, s_http_codings[i]) == 0) return i == 0 ? 1 : 0;
  }
  return -1;
}

// Counters kept over all Transfer-Encoding headers of a message.
struct http_te {
  int present;          // A Transfer-Encoding header was seen
  int chunked;          // Times "chunked" appeared
  int last_is_chunked;  // The last coding seen is "chunked"
};

// Walks the coding list v ("gzip, chunked"; empty elements are skipped,
// parameters after ';' ignored). Returns 0, or the error status.
static int http_scan_codings(struct mg_str v, struct http_te *te) {
  size_t i = 0, b;
  struct mg_str c;
  const char *semi;
  int kind;
  while (i <= v.len) {
    for (b = i; i < v.len && v.p[i] != ',';) i++;
    c = mg_mk_str_n(v.p + b, i - b);
    i++;
    semi = (const char *) memchr(c.p, ';', c.len);
    if (semi != NULL) c.len = (size_t) (semi - c.p);
    while (c.len > 0 && http_is_ws(c.p[0])) c.p++, c.len--;
    while (c.len > 0 && http_is_ws(c.p[c.len - 1])) c.len--;
    if (c.len == 0) continue;
    if ((kind = http_coding_kind(c)) < 0) return 501;
    te->chunked += kind;
    te->last_is_chunked = kind;
  }
  return 0;
}

// Reads Transfer-Encoding. Returns 0 (te filled in), or the error status.
static int http_transfer_encoding(const struct http_message *hm,
                                  struct http_te *te) {
  int i, st;
  memset(te, 0, sizeof(*te));
  for (i = 0; i < MG_MAX_HTTP_HEADERS && hm->header_names[i].len > 0; i++) {
    if (mg_vcasecmp(&hm->header_names[i], "Transfer-Encoding") != 0) continue;
    te->present = 1;
    if ((st = http_scan_codings(hm->header_values[i], te)) != 0) return st;
  }
  return te->chunked > 1 ? 400 : 0;
}

// unreserved / sub-delims of RFC 3986 2.2-2.3, and '%' of pct-encoded.
static int http_is_host_char(char c) {
  return http_is_alpha(c) || http_is_digit(c) ||
         (c != '\0' && strchr("-._~!$&'()*+,;=%", c) != NULL);
}

// Host = uri-host [":" port] (RFC 9112 7.2, RFC 3986 3.2.2-3.2.3): an
// IP-literal in brackets or a reg-name (an IPv4 address is one), then
// optionally ':' and digits. Empty is valid (a target without authority).
static int http_host_value_ok(struct mg_str v) {
  size_t i = 0;
  if (v.len > 0 && v.p[0] == '[') {
    for (i = 1; i < v.len && v.p[i] != ']'; i++) {
      if (!http_is_host_char(v.p[i]) && v.p[i] != ':') return 0;
    }
    if (i == v.len || i == 1) return 0;  // Unbalanced or empty brackets
    i++;
  } else {
    while (i < v.len && http_is_host_char(v.p[i])) i++;
  }
  if (i < v.len && v.p[i++] != ':') return 0;
  for (; i < v.len; i++) {
    if (!http_is_digit(v.p[i])) return 0;
  }
  return 1;
}

// A request needs exactly one Host in HTTP/1.1, at most one in HTTP/1.0,
// and its value must be a valid host[:port] (RFC 9112 3.2: 400 otherwise).
static int http_host_ok(const struct http_message *hm) {
  int i, hosts = 0;
  for (i = 0; i < MG_MAX_HTTP_HEADERS && hm->header_names[i].len > 0; i++) {
    if (mg_vcasecmp(&hm->header_names[i], "Host") != 0) continue;
    if (!http_host_value_ok(hm->header_values[i])) return 0;
    hosts++;
  }
  // RFC 9112 3.2: an HTTP/1.1 request needs exactly one Host. 6.18 served
  // requests without one; MG_ENABLE_HTTP_NO_HOST=1 does too.
  return hosts == 1 || (hosts == 0 && (MG_ENABLE_HTTP_NO_HOST ||
                                       http_eq(hm->proto, "HTTP/1.0")));
}

// Request framing (RFC 9112 6.3): chunked, Content-Length or no body. A
// request with both, with codings that do not end in chunked, or with
// Transfer-Encoding in HTTP/1.0 has faulty framing: 400.
static int http_request_body(struct http_parser *p, const struct http_te *te,
                             int has_cl, size_t cl) {
  struct http_message *hm = p->hm;
  if (!http_host_ok(hm)) return http_fail(p, 400);
  if (te->present) {
    if (has_cl || !te->last_is_chunked || http_eq(hm->proto, "HTTP/1.0")) {
      return http_fail(p, 400);
    }
    hm->body.len = (size_t) -1;
  } else {
    hm->body.len = has_cl ? cl : 0;
  }
  return 0;
}

// Response framing (RFC 9112 6.3): 1xx, 204 and 304 have no body; then
// Transfer-Encoding wins over Content-Length; codings not ending in
// chunked, or neither header, mean the body runs to the connection's close.
static void http_response_body(struct http_message *hm,
                               const struct http_te *te, int has_cl,
                               size_t cl) {
  int code = hm->resp_code;
  if (code < 200 || code == 204 || code == 304) {
    hm->body.len = 0;
  } else if (te->present || !has_cl) {
    hm->body.len = (size_t) -1;
  } else {
    hm->body.len = cl;
  }
}

// Works out the body's length once the head is complete.
static int http_set_body(struct http_parser *p) {
  struct http_message *hm = p->hm;
  struct http_te te;
  size_t cl = 0;
  int has_cl, st;
  if ((has_cl = http_content_length(hm, &cl)) < 0) {
    return http_fail(p, has_cl == -2 ? 413 : 400);
  }
  if ((st = http_transfer_encoding(hm, &te)) != 0) return http_fail(p, st);
  if (p->is_req) {
    if (http_request_body(p, &te, has_cl, cl) < 0) return -1;
  } else {
    http_response_body(hm, &te, has_cl, cl);
  }
  hm->body.p = p->s + p->pos;
  hm->message.len = (size_t) (hm->body.p - hm->message.p);
  if (hm->body.len != (size_t) -1) hm->message.len += hm->body.len;
  return 0;
}

// hm->message spans the start line to the end of the body when the body
// length is known (even if the body is not all in s yet), else to the end
// of the head; it excludes the empty lines skipped before the start line,
// which the returned length includes.
int mg_http_parse(const char *s, size_t n, struct http_message *hm, int is_req,
                  int *status) {
  struct http_parser p;
  int r;
  memset(hm, 0, sizeof(*hm));
  memset(&p, 0, sizeof(p));
  p.s = s, p.hm = hm, p.is_req = is_req;
  // The head must fit in MG_MAX_HTTP_REQUEST_SIZE bytes: never look further.
  p.n = n < MG_MAX_HTTP_REQUEST_SIZE ? n : MG_MAX_HTTP_REQUEST_SIZE;
  if ((r = http_skip_empty_lines(&p)) > 0 &&
      (r = http_parse_start_line(&p)) > 0 && (r = http_parse_headers(&p)) > 0) {
    r = http_set_body(&p) < 0 ? -1 : (int) p.pos;
  }
  if (r == 0 && n >= MG_MAX_HTTP_REQUEST_SIZE) r = http_fail(&p, 431);
  if (status != NULL) *status = r < 0 ? p.status : 0;
  return r;
}

// ---- Resumable scanning of an incomplete request head ----------------------
//
// mg_http_scan_head() looks at each byte of a head once, however the head
// is split into reads: the server calls it as bytes come and runs
// mg_http_parse() only once the head is complete. It finds the errors
// mg_http_parse() finds in the bytes seen so far (a bad start line byte at
// once, a bad field line when it ends, the 414 and 431 limits) with the
// same status.

int mg_http_scan_head(const char *s, size_t n, struct mg_http_scan *sc,
                      int *status) {
  size_t lim = n < MG_MAX_HTTP_REQUEST_SIZE ? n : MG_MAX_HTTP_REQUEST_SIZE;
  size_t end, next;
  struct mg_str name, value;
  int r;
  *status = 0;
  if (sc->stage == 0) {  // Empty lines, then the start line
    while (sc->pos < lim && (s[sc->pos] == '\r' || s[sc->pos] == '\n')) {
      r = http_find_line(s, lim, sc->pos, 1, &end, &next);
      if (r < 0) return *status = 400, -1;
      if (r == 0) break;
      sc->work += next - sc->pos;
      sc->pos = sc->line_scan = next;
    }
    if (sc->pos < lim && (s[sc->pos] == '\r' || s[sc->pos] == '\n')) {
      return lim >= MG_MAX_HTTP_REQUEST_SIZE ? (*status = 431, -1) : 0;
    }
    if (sc->line_scan < sc->pos) sc->line_scan = sc->pos;
    r = http_find_line(s, lim, sc->line_scan, 1, &end, &next);
    if (r < 0) return *status = 400, -1;
    if (end - sc->pos > MG_MAX_HTTP_REQUEST_LINE) return *status = 414, -1;
    if (r == 0) {
      sc->work += end - sc->line_scan;
      if (!http_scan_prefix(s, end, sc)) return *status = 400, -1;
      sc->line_scan = end;
      return lim >= MG_MAX_HTTP_REQUEST_SIZE ? (*status = 431, -1) : 0;
    }
    // The line is complete: mg_http_parse() checks it whole, once.
    sc->work += next - sc->line_scan;
    sc->stage = 1;
    sc->pos = sc->line_scan = next;
    return 1;
  }
  for (;;) {  // Field lines, up to the empty line
    r = http_find_line(s, lim, sc->line_scan, 1, &end, &next);
    if (r < 0) return *status = 400, -1;
    if (r == 0) {
      sc->work += end - sc->line_scan;
      sc->line_scan = end;
      return lim >= MG_MAX_HTTP_REQUEST_SIZE ? (*status = 431, -1) : 0;
    }
    sc->work += next - sc->line_scan;
    if (end == sc->pos) return 1;
    if (http_parse_field_line(s, sc->pos, end, &name, &value) < 0) {
      return *status = 400, -1;
    }
    if (++sc->num_headers > MG_MAX_HTTP_HEADERS) return *status = 431, -1;
    sc->pos = sc->line_scan = next;
  }
}

int mg_parse_http(const char *s, int n, struct http_message *hm, int is_req) {
  int status;
  if (n < 0) {
    memset(hm, 0, sizeof(*hm));
    return -1;
  }
  return mg_http_parse(s, (size_t) n, hm, is_req, &status);
}

// chunk-size [chunk-ext] CRLF: at most 16 hex digits, then optionally
// BWS ";" and extension bytes up to the CRLF, the whole line bounded by
// MG_MAX_HTTP_REQUEST_SIZE. Returns 1 with *size and *off (the data's
// offset), 0 if more bytes are needed, -1 if malformed.
static int http_chunk_size_line(const char *s, size_t n, size_t *size,
                                size_t *off) {
  size_t i = 0, end;
  int d;
  for (*size = 0; i < n && (d = mg_hex_digit_value((unsigned char) s[i])) >= 0;
       i++) {
    if (i >= 16 || *size > ((size_t) -1) >> 4) return -1;
    *size = (*size << 4) | (size_t) d;
  }
  if (i == n) return 0;
  if (i == 0) return -1;
  if (s[i] != '\r') {
    while (i < n && http_is_ws(s[i])) i++;
    if (i < n && s[i] != ';') return -1;
    for (; i < n && s[i] != '\r'; i++) {
      if (!http_is((unsigned char) s[i], HTTP_P_FIELD)) return -1;
    }
  }
  if (i > MG_MAX_HTTP_REQUEST_SIZE) return -1;
  return http_find_line(s, n, i, 0, &end, off);
}

// The trailer section after the last chunk: field lines up to an empty
// line, at most MG_MAX_HTTP_REQUEST_SIZE bytes, ignored. Returns the total
// length from s, 0 if more bytes are needed, -1 if malformed.
static int http_chunk_trailers(const char *s, size_t n, size_t off) {
  size_t lim =
      n - off > MG_MAX_HTTP_REQUEST_SIZE ? off + MG_MAX_HTTP_REQUEST_SIZE : n;
  size_t pos = off, end, next;
  struct mg_str name, value;
  int r;
  for (;;) {
    r = http_find_line(s, lim, pos, 0, &end, &next);
    if (r < 0) return -1;
    if (r == 0) return n - off >= MG_MAX_HTTP_REQUEST_SIZE ? -1 : 0;
    if (end == pos) return (int) next;
    if (http_parse_field_line(s, pos, end, &name, &value) < 0) return -1;
    pos = next;
  }
}

int mg_http_parse_chunk(const char *s, size_t n, size_t *data_off,
                        size_t *data_len) {
  size_t size, off;
  int r;
  *data_off = *data_len = 0;
  if ((r = http_chunk_size_line(s, n, &size, &off)) <= 0) return r;
  *data_off = off, *data_len = size;
  if (size == 0) return http_chunk_trailers(s, n, off);
  // The return value is an int: a chunk that cannot be counted is refused.
  if (size > (size_t) INT_MAX - off - 2) return -1;
  if (n <= off + size) return 0;
  if (s[off + size] != '\r') return -1;
  if (n == off + size + 1) return 0;
  if (s[off + size + 1] != '\n') return -1;
  return (int) (off + size + 2);
}

#endif  // MG_ENABLE_HTTP
