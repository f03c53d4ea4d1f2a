#include "uri.h"

// Returns the index of the first byte of s[from, len) that is in set, or len.
// The URI slice is not NUL-terminated, so strcspn() cannot be used; a NUL
// byte in s is checked apart because strchr() finds the set's terminator.
static size_t uri_find_any(const char *s, size_t from, size_t len,
                           const char *set) {
  size_t i;
  for (i = from; i < len; i++) {
    if (strchr(set, s[i]) != NULL && s[i] != '\0') break;
  }
  return i;
}

// Parses an all-digit port (empty is allowed: RFC 3986 "port = *DIGIT").
// Stops accumulating above 65535 so a long digit run cannot overflow.
static int uri_parse_port(const char *s, size_t len, unsigned int *port) {
  unsigned long v = 0;
  size_t i;
  for (i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (unsigned long) (s[i] - '0');
    if (v > 65535) return -1;
  }
  *port = (unsigned int) v;
  return 0;
}

// Returns the length of a "scheme://" prefix (scheme included), or 0. The
// scheme stops at the first byte that can only belong to a later part, so
// "user@host://x" and "/a://b" have no scheme.
static size_t uri_scheme_len(const char *s, size_t len) {
  size_t i = uri_find_any(s, 0, len, ":/?#@[");
  if (i == 0 || i + 3 > len) return 0;
  if (s[i] != ':' || s[i + 1] != '/' || s[i + 2] != '/') return 0;
  return i;
}

// Splits an authority "[user_info@]host[:port]" (all of s[0, len)).
static int uri_parse_authority(const char *s, size_t len, struct mg_str *ui,
                               struct mg_str *host, unsigned int *port) {
  size_t i, at = len, h;
  // The last '@' wins: user info may not contain a raw '@' (RFC 3986), and
  // picking the last one keeps "a@b@evil" from naming host "b@evil".
  for (i = 0; i < len; i++) {
    if (s[i] == '@') at = i;
  }
  h = at < len ? at + 1 : 0;
  if (at < len) *ui = mg_mk_str_n(s, at);
  if (h < len && s[h] == '[') {
    i = uri_find_any(s, h + 1, len, "[]");
    if (i == len || s[i] != ']') return -1;  // Unterminated IPv6 literal.
    i++;  // Past ']': the host keeps its brackets, as in 6.x.
    *host = mg_mk_str_n(s + h, i - h);
    if (i < len && s[i] != ':') return -1;  // Junk after "]".
  } else {
    i = uri_find_any(s, h, len, ":");
    *host = mg_mk_str_n(s + h, i - h);
  }
  if (i >= len) return 0;
  return uri_parse_port(s + i + 1, len - i - 1, port);
}

int mg_parse_uri(const struct mg_str uri, struct mg_str *scheme,
                 struct mg_str *user_info, struct mg_str *host,
                 unsigned int *port, struct mg_str *path, struct mg_str *query,
                 struct mg_str *fragment) {
  struct mg_str sch = MG_NULL_STR, ui = MG_NULL_STR, hst = MG_NULL_STR;
  struct mg_str pth = MG_NULL_STR, qry = MG_NULL_STR, frg = MG_NULL_STR;
  unsigned int prt = 0;
  const char *s = uri.p;
  size_t len = s == NULL ? 0 : uri.len, i = 0, end;

  if (len > 0 && s[0] != '/') {
    sch.len = uri_scheme_len(s, len);
    if (sch.len > 0) {
      sch.p = s;
      i = sch.len + 3;
    }
    end = uri_find_any(s, i, len, "/?#");
    if (uri_parse_authority(s + i, end - i, &ui, &hst, &prt) != 0) return -1;
    i = end;
  }
  end = uri_find_any(s, i, len, "?#");
  if (end > i) pth = mg_mk_str_n(s + i, end - i);
  i = end;
  if (i < len && s[i] == '?') {
    end = uri_find_any(s, i + 1, len, "#");
    qry = mg_mk_str_n(s + i + 1, end - i - 1);
    i = end;
  }
  if (i < len) frg = mg_mk_str_n(s + i + 1, len - i - 1);

  if (scheme != NULL) *scheme = sch;
  if (user_info != NULL) *user_info = ui;
  if (host != NULL) *host = hst;
  if (port != NULL) *port = prt;
  if (path != NULL) *path = pth;
  if (query != NULL) *query = qry;
  if (fragment != NULL) *fragment = frg;
  return 0;
}

// Length of an optional part: NULL and {NULL, n} both count as absent.
static size_t uri_part_len(const struct mg_str *s) {
  return s == NULL || s->p == NULL ? 0 : s->len;
}

// Appends an optional part with its prefix/suffix when it is non-empty.
static char *uri_put(char *d, const char *before, const struct mg_str *s,
                     const char *after) {
  size_t n = uri_part_len(s);
  if (n == 0) return d;
  memcpy(d, before, strlen(before));
  d += strlen(before);
  memcpy(d, s->p, n);
  d += n;
  memcpy(d, after, strlen(after));
  return d + strlen(after);
}

// Writes "host[:port]". An IPv6 literal given without its brackets ("::1")
// gets them; one with them ("[::1]", as mg_parse_uri() gives it) is copied.
static char *uri_put_host_port(char *d, const struct mg_str *host,
                               unsigned int port) {
  size_t n = uri_part_len(host);
  int v6 = n > 0 && host->p[0] != '[' && memchr(host->p, ':', n) != NULL;
  d = uri_put(d, v6 ? "[" : "", host, v6 ? "]" : "");
  // The caller reserved 7 bytes for ":65535" and its NUL.
  if (port != 0) d += snprintf(d, 7, ":%u", port);
  return d;
}

// Writes the path. Normalizing works in place in the output buffer, which
// is safe because the normalized path is never longer than the input.
static char *uri_put_path(char *d, const struct mg_str *path, int authority,
                          int normalize) {
  struct mg_str in, out;
  size_t n = uri_part_len(path);
  if (n == 0) return d;
  // Without a '/' the path would fuse with the host: "h" + "p" = "hp".
  if (authority && path->p[0] != '/' && !normalize) *d++ = '/';
  memcpy(d, path->p, n);
  if (!normalize) return d + n;
  in = mg_mk_str_n(d, n);
  out = in;
  if (!mg_normalize_uri_path(&in, &out)) return NULL;
  return d + out.len;
}

int mg_assemble_uri(const struct mg_str *scheme, const struct mg_str *user_info,
                    const struct mg_str *host, unsigned int port,
                    const struct mg_str *path, const struct mg_str *query,
                    const struct mg_str *fragment, int normalize_path,
                    struct mg_str *uri) {
  // "://" "@" "[]" ":65535" "/" "?" "#" and a NUL: 17 bytes of punctuation.
  size_t cap = uri_part_len(scheme) + uri_part_len(user_info) +
               uri_part_len(host) + uri_part_len(path) + uri_part_len(query) +
               uri_part_len(fragment) + 17;
  size_t authority_len =
      uri_part_len(scheme) + uri_part_len(user_info) + uri_part_len(host);
  char *buf, *d;

  if (uri == NULL || port > 65535) return -1;
  uri->p = NULL;
  uri->len = 0;
  if ((buf = (char *) MG_MALLOC(cap)) == NULL) return -1;
  d = uri_put(buf, "", scheme, "://");
  d = uri_put(d, "", user_info, "@");
  d = uri_put_host_port(d, host, port);
  d = uri_put_path(d, path, authority_len > 0 || port > 0, normalize_path);
  if (d == NULL) {
    MG_FREE(buf);
    return -1;
  }
  d = uri_put(d, "?", query, "");
  d = uri_put(d, "#", fragment, "");
  *d = '\0';
  uri->p = buf;
  uri->len = (size_t) (d - buf);
  return 0;
}

// Returns 1 if s[0, n) is exactly the string seg.
static int uri_is_seg(const char *s, size_t n, const char *seg) {
  return n == strlen(seg) && memcmp(s, seg, n) == 0;
}

// The writer never gets ahead of the reader (every output byte comes from an
// input byte at or after it), so out may alias in; memmove covers overlap.
int mg_normalize_uri_path(const struct mg_str *in, struct mg_str *out) {
  const char *s;
  char *d;
  size_t len, r = 1, w = 1, e;

  if (in == NULL || out == NULL || in->p == NULL || in->len == 0) return 0;
  if (in->p[0] != '/') return 0;
  s = in->p;
  len = in->len;
  d = (char *) out->p;
  d[0] = '/';
  while (r < len) {
    while (r < len && s[r] == '/') r++;  // Collapse "//".
    e = uri_find_any(s, r, len, "/");
    if (uri_is_seg(s + r, e - r, "..")) {
      if (w == 1) return 0;  // Would climb above the root.
      // d[w - 1] is the '/' after the last kept segment: drop that segment.
      for (w--; d[w - 1] != '/'; w--) {
      }
    } else if (e > r && !uri_is_seg(s + r, e - r, ".")) {
      memmove(d + w, s + r, e - r);
      w += e - r;
      if (e < len) d[w++] = '/';
    }
    r = e + 1;
  }
  out->len = w;
  return 1;
}

// Returns the value of a hex digit, or -1.
int mg_url_decode(const char *src, int src_len, char *dst, int dst_len,
                  int is_form_url_encoded) {
  int i, j, hi, lo;
  if (src_len < 0 || dst == NULL || dst_len <= 0) return -1;
  for (i = j = 0; i < src_len; i++, j++) {
    if (j >= dst_len - 1) break;  // Keep room for the NUL.
    if (src[i] == '%') {
      if (src_len - i < 3) break;  // Truncated escape.
      hi = mg_hex_digit_value((unsigned char) src[i + 1]);
      lo = mg_hex_digit_value((unsigned char) src[i + 2]);
      if (hi < 0 || lo < 0) break;
      dst[j] = (char) ((hi << 4) | lo);
      i += 2;
    } else if (is_form_url_encoded && src[i] == '+') {
      dst[j] = ' ';
    } else {
      dst[j] = src[i];
    }
  }
  dst[j] = '\0';
  return i < src_len ? -1 : j;
}

static int uri_is_url_safe(unsigned char c, const struct mg_str safe) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      (c >= '0' && c <= '9')) {
    return 1;
  }
  return mg_strchr(safe, c) != NULL;
}

struct mg_str mg_url_encode_opt(const struct mg_str src,
                                const struct mg_str safe, unsigned int flags) {
  const char *hex = (flags & MG_URL_ENCODE_F_UPPERCASE_HEX)
                        ? "0123456789ABCDEF"
                        : "0123456789abcdef";
  int plus = (flags & MG_URL_ENCODE_F_SPACE_AS_PLUS) != 0;
  size_t i, n = 0;
  char *out;
  // Measure first, so the result is allocated exactly once.
  for (i = 0; i < src.len; i++) {
    unsigned char c = (unsigned char) src.p[i];
    n += uri_is_url_safe(c, safe) || (plus && c == ' ') ? 1 : 3;
  }
  if ((out = (char *) MG_MALLOC(n + 1)) == NULL) return mg_mk_str_n(NULL, 0);
  for (i = n = 0; i < src.len; i++) {
    unsigned char c = (unsigned char) src.p[i];
    if (uri_is_url_safe(c, safe)) {
      out[n++] = (char) c;
    } else if (plus && c == ' ') {
      out[n++] = '+';
    } else {
      out[n++] = '%';
      out[n++] = hex[c >> 4];
      out[n++] = hex[c & 15];
    }
  }
  out[n] = '\0';
  return mg_mk_str_n(out, n);
}

struct mg_str mg_url_encode(const struct mg_str src) {
  return mg_url_encode_opt(src, mg_mk_str("._-$,;~()/"), 0);
}

// Parses "1*5DIGIT" up to the end of s into *port (0-65535).
static int addr_parse_port(const char *s, unsigned int *port) {
  size_t n = strlen(s);
  if (n < 1 || n > 5) return -1;
  return uri_parse_port(s, n, port);
}

// Skips an optional "tcp://" or "udp://" and sets *proto. Any other
// "scheme://" is an error: better than treating "http" as a host name.
static const char *addr_skip_scheme(const char *str, int *proto) {
  *proto = SOCK_STREAM;
  if (strncmp(str, "udp://", 6) == 0) {
    *proto = SOCK_DGRAM;
    return str + 6;
  }
  if (strncmp(str, "tcp://", 6) == 0) return str + 6;
  return strstr(str, "://") == NULL ? str : NULL;
}

#if MG_ENABLE_IPV6
// Parses "[v6addr]:port". Bracketed names are never resolved: they must be
// numeric.
static int addr_parse_v6(const char *s, union socket_address *sa) {
  char buf[INET6_ADDRSTRLEN];
  const char *end = strchr(s, ']');
  unsigned int port = 0;
  size_t n = end == NULL ? 0 : (size_t) (end - s - 1);
  if (end == NULL || n >= sizeof(buf) || end[1] != ':') return -1;
  memcpy(buf, s + 1, n);
  buf[n] = '\0';
  if (addr_parse_port(end + 2, &port) != 0) return -1;
  if (inet_pton(AF_INET6, buf, &sa->sin6.sin6_addr) != 1) return -1;
  sa->sin6.sin6_family = AF_INET6;
  sa->sin6.sin6_port = htons((uint16_t) port);
  return 1;
}
#endif

// Returns 1 if name looks like a DNS host name: letters, digits, '-', '.'
// and '_', which real names carry (SRV labels, some hosts and resolvers).
// A name of only digits and dots is a mistyped IPv4 address ("1.2.3.256"),
// never a host name (top-level domains are not all-numeric, RFC 3696), so
// it is refused here instead of being sent to the resolver.
static int addr_is_hostname(const char *name, size_t n) {
  size_t i;
  int letters = 0;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char) name[i];
    if (!isalnum(c) && c != '-' && c != '.' && c != '_') return 0;
    if (!isdigit(c) && c != '.') letters = 1;
  }
  return letters;
}

// Host names are case-insensitive (RFC 4343).
static int addr_is_localhost(const char *name) {
  const char *want = "localhost";
  for (; *name != '\0' && *want != '\0'; name++, want++) {
    if (tolower((unsigned char) *name) != *want) return 0;
  }
  return *name == '\0' && *want == '\0';
}

// Fills sa->sin from "host" (s[0, n)); 1 numeric, 0 name copied, -1 bad.
static int addr_parse_v4_host(const char *s, size_t n, union socket_address *sa,
                              char *host, size_t host_len) {
  char buf[MG_MAX_HOST_LEN];
  if (n == 0) {
    sa->sin.sin_addr.s_addr = htonl(INADDR_ANY);
    return 1;
  }
  if (n >= sizeof(buf)) return -1;
  memcpy(buf, s, n);
  buf[n] = '\0';
  if (addr_is_localhost(buf)) {
    sa->sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return 1;
  }
  if (inet_pton(AF_INET, buf, &sa->sin.sin_addr) == 1) return 1;
  if (!addr_is_hostname(buf, n) || host == NULL || n >= host_len) return -1;
  memcpy(host, buf, n + 1);
  return 0;
}

// Parses "host:port", ":port" or "port"; a bare port means the any-address.
static int addr_parse_v4(const char *s, union socket_address *sa, char *host,
                         size_t host_len) {
  const char *colon = strchr(s, ':');
  unsigned int port = 0;
  if (addr_parse_port(colon == NULL ? s : colon + 1, &port) != 0) return -1;
  sa->sin.sin_family = AF_INET;
  sa->sin.sin_port = htons((uint16_t) port);
  return addr_parse_v4_host(s, colon == NULL ? 0 : (size_t) (colon - s), sa,
                            host, host_len);
}

int mg_parse_address(const char *str, union socket_address *sa, int *proto,
                     char *host, size_t host_len) {
  const char *s;
  int dummy_proto, rc;

  if (sa == NULL) return -1;
  memset(sa, 0, sizeof(*sa));
  if (str == NULL) return -1;
  if (proto == NULL) proto = &dummy_proto;
  if ((s = addr_skip_scheme(str, proto)) == NULL) return -1;
  if (host != NULL && host_len > 0) host[0] = '\0';
  if (s[0] == '[') {
#if MG_ENABLE_IPV6
    rc = addr_parse_v6(s, sa);
#else
    rc = -1;
#endif
  } else {
    rc = addr_parse_v4(s, sa, host, host_len);
  }
  // Leave no half-filled address behind for a caller that ignores rc.
  if (rc < 0) memset(sa, 0, sizeof(*sa));
  return rc;
}

// Formats sa into out (large enough for any address). Returns 0 on success.
static int addr_format(const union socket_address *sa, char *out,
                       size_t out_len, int flags) {
  int v6 = sa->sa.sa_family == AF_INET6, port;
  const void *addr = v6 ? (const void *) &sa->sin6.sin6_addr
                        : (const void *) &sa->sin.sin_addr;
  char ip[INET6_ADDRSTRLEN];
  if (sa->sa.sa_family != AF_INET && !v6) return -1;
  port = ntohs(v6 ? sa->sin6.sin6_port : sa->sin.sin_port);
  ip[0] = '\0';
  if ((flags & MG_SOCK_STRINGIFY_IP) &&
      inet_ntop(sa->sa.sa_family, addr, ip, sizeof(ip)) == NULL) {
    return -1;
  }
  if (!(flags & MG_SOCK_STRINGIFY_PORT)) {
    snprintf(out, out_len, "%s", ip);
  } else if (!(flags & MG_SOCK_STRINGIFY_IP)) {
    snprintf(out, out_len, "%d", port);
  } else if (v6) {
    snprintf(out, out_len, "[%s]:%d", ip, port);
  } else {
    snprintf(out, out_len, "%s:%d", ip, port);
  }
  return 0;
}

int mg_sock_addr_to_str(const union socket_address *sa, char *buf, size_t len,
                        int flags) {
  char tmp[INET6_ADDRSTRLEN + 16];
  size_t n;
  if (buf == NULL || len == 0) return 0;
  buf[0] = '\0';
  if (sa == NULL || addr_format(sa, tmp, sizeof(tmp), flags) != 0) {
    return 0;
  }
  n = strlen(tmp);
  if (n >= len) n = len - 1;  // Truncate, always NUL-terminated.
  memcpy(buf, tmp, n);
  buf[n] = '\0';
  return (int) n;
}

// Parses a decimal number of 1..3 digits, at most max, from s. Returns the
// number of bytes used, 0 if there is no valid number.
static size_t addr_parse_small_num(struct mg_str s, unsigned max,
                                   unsigned *out) {
  size_t i;
  *out = 0;
  for (i = 0; i < s.len && i < 4 && s.p[i] >= '0' && s.p[i] <= '9'; i++) {
    *out = *out * 10 + (unsigned) (s.p[i] - '0');
  }
  return (i == 0 || i > 3 || *out > max) ? 0 : i;
}

// Parses "a.b.c.d" or "a.b.c.d/nn" (the whole slice). Returns 0 on success.
static int addr_parse_net(struct mg_str s, uint32_t *net, uint32_t *mask) {
  unsigned v, bits = 32;
  size_t n;
  int i;
  *net = 0;
  for (i = 0; i < 4; i++) {
    if ((n = addr_parse_small_num(s, 255, &v)) == 0) return -1;
    *net = (*net << 8) | v;
    s.p += n, s.len -= n;
    if (i < 3 && (s.len == 0 || s.p[0] != '.')) return -1;
    if (i < 3) s.p++, s.len--;
  }
  if (s.len > 0 && s.p[0] == '/') {
    s.p++, s.len--;
    if ((n = addr_parse_small_num(s, 32, &bits)) == 0) return -1;
    s.p += n, s.len -= n;
  }
  if (s.len != 0) return -1;
  // A shift by 32 is undefined, so /0 is special.
  *mask = bits == 0 ? 0 : 0xffffffffU << (32 - bits);
  *net &= *mask;
  return 0;
}

int mg_check_ip_acl(const char *acl, uint32_t remote_ip) {
  struct mg_str entry, addr;
  uint32_t net, mask;
  int allowed;
  if (acl == NULL || *acl == '\0') return 1;
  allowed = 0;  // An ACL denies whatever it does not allow.
  while ((acl = mg_next_comma_list_entry(acl, &entry, NULL)) != NULL) {
    entry = mg_strstrip(entry);
    if (entry.len < 1 || (entry.p[0] != '+' && entry.p[0] != '-')) return -1;
    addr = mg_mk_str_n(entry.p + 1, entry.len - 1);
    if (addr_parse_net(addr, &net, &mask) != 0) return -1;
    if ((remote_ip & mask) == net) allowed = entry.p[0] == '+';
  }
  return allowed;
}
