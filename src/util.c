#include "internal.h"

double mg_time(void) {
  struct timeval tv;
  if (gettimeofday(&tv, NULL) != 0) return (double) time(NULL);
  return (double) tv.tv_sec + (double) tv.tv_usec / 1000000.0;
}

// NUL is data, not a delimiter: the range [s, end) is explicit.
static int util_is_delim(const char *delims, char c) {
  return c != '\0' && strchr(delims, c) != NULL;
}

const char *mg_skip(const char *s, const char *end, const char *delims,
                    struct mg_str *v) {
  v->p = s;
  while (s < end && !util_is_delim(delims, *s)) s++;
  v->len = (size_t) (s - v->p);
  while (s < end && util_is_delim(delims, *s)) s++;
  return s;
}

static const char util_b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Encodes n (1..3) bytes of in as four base64 characters, padding with '='.
static void util_b64_quantum(const unsigned char *in, int n, char out[4]) {
  unsigned long v = (unsigned long) in[0] << 16;
  if (n > 1) v |= (unsigned long) in[1] << 8;
  if (n > 2) v |= in[2];
  out[0] = util_b64_alphabet[(v >> 18) & 63];
  out[1] = util_b64_alphabet[(v >> 12) & 63];
  out[2] = n > 1 ? util_b64_alphabet[(v >> 6) & 63] : '=';
  out[3] = n > 2 ? util_b64_alphabet[v & 63] : '=';
}

void mg_base64_encode(const unsigned char *src, int src_len, char *dst) {
  int i;
  for (i = 0; i < src_len; i += 3) {
    util_b64_quantum(src + i, src_len - i < 3 ? src_len - i : 3, dst);
    dst += 4;
  }
  *dst = '\0';
}

// Returns the 6-bit value of a base64 character, 64 for '=', -1 otherwise.
static int util_b64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return c == '=' ? 64 : -1;
}

// Decodes one 4-character quantum into dst. Returns the number of bytes
// written (1..3), or -1 if the quantum is not valid base64.
static int util_b64_decode_quantum(const unsigned char *s, char *dst) {
  int a = util_b64_value(s[0]), b = util_b64_value(s[1]);
  int c = util_b64_value(s[2]), d = util_b64_value(s[3]);
  if (a < 0 || b < 0 || c < 0 || d < 0 || a == 64 || b == 64) return -1;
  if (c == 64 && d != 64) return -1;  // "xx=x" is not valid padding
  dst[0] = (char) ((a << 2) | (b >> 4));
  if (c == 64) return 1;
  dst[1] = (char) (((b & 15) << 4) | (c >> 2));
  if (d == 64) return 2;
  dst[2] = (char) (((c & 3) << 6) | d);
  return 3;
}

int mg_base64_decode(const unsigned char *s, int len, char *dst) {
  int consumed = 0, n;
  while (len - consumed >= 4) {
    if ((n = util_b64_decode_quantum(s + consumed, dst)) < 0) break;
    consumed += 4;
    dst += n;
    if (n < 3) break;  // Padding ends the data.
  }
  *dst = '\0';
  return consumed;
}

// Streaming base64 into an mbuf: up to two bytes wait for their quantum.
struct util_b64_stream {
  struct mbuf *mb;
  unsigned char chunk[3];
  int n;
};

static void util_b64_update(struct util_b64_stream *st, const void *data,
                            size_t len) {
  const unsigned char *p = (const unsigned char *) data;
  char out[4];
  size_t i;
  for (i = 0; i < len; i++) {
    st->chunk[st->n++] = p[i];
    if (st->n == 3) {
      util_b64_quantum(st->chunk, 3, out);
      mbuf_append(st->mb, out, sizeof(out));
      st->n = 0;
    }
  }
}

static void util_b64_finish(struct util_b64_stream *st) {
  char out[4];
  if (st->n == 0) return;
  util_b64_quantum(st->chunk, st->n, out);
  mbuf_append(st->mb, out, sizeof(out));
  st->n = 0;
}

void mg_mbuf_append_base64_putc(char ch, void *user_data) {
  mbuf_append((struct mbuf *) user_data, &ch, 1);
}

void mg_mbuf_append_base64(struct mbuf *mbuf, const void *data, size_t len) {
  struct util_b64_stream st;
  st.mb = mbuf;
  st.n = 0;
  util_b64_update(&st, data, len);
  util_b64_finish(&st);
}

void mg_basic_auth_header(const struct mg_str user, const struct mg_str pass,
                          struct mbuf *buf) {
  static const char prefix[] = "Authorization: Basic ";
  struct util_b64_stream st;
  st.mb = buf;
  st.n = 0;
  mbuf_append(buf, prefix, sizeof(prefix) - 1);
  util_b64_update(&st, user.p, user.len);
  // RFC 7617 always has the colon; a NULL password (6.x: a bare token)
  // encodes the user part alone.
  if (pass.p != NULL) {
    util_b64_update(&st, ":", 1);
    util_b64_update(&st, pass.p, pass.len);
  }
  util_b64_finish(&st);
  mbuf_append(buf, "\r\n", 2);
}

// Returns the value of a hex digit, or -1.
static int util_hex_value(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int mg_url_decode(const char *src, int src_len, char *dst, int dst_len,
                  int is_form_url_encoded) {
  int i, j, hi, lo;
  if (src_len < 0 || dst == NULL || dst_len <= 0) return -1;
  for (i = j = 0; i < src_len; i++, j++) {
    if (j >= dst_len - 1) break;  // Keep room for the NUL.
    if (src[i] == '%') {
      if (src_len - i < 3) break;  // Truncated escape.
      hi = util_hex_value((unsigned char) src[i + 1]);
      lo = util_hex_value((unsigned char) src[i + 2]);
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

static int util_url_is_safe(unsigned char c, const struct mg_str safe) {
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
    n += util_url_is_safe(c, safe) || (plus && c == ' ') ? 1 : 3;
  }
  if ((out = (char *) MG_MALLOC(n + 1)) == NULL) return mg_mk_str_n(NULL, 0);
  for (i = n = 0; i < src.len; i++) {
    unsigned char c = (unsigned char) src.p[i];
    if (util_url_is_safe(c, safe)) {
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

// Formats sa into out (large enough for any address). Returns 0 on success.
static int util_format_addr(const union socket_address *sa, char *out,
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
  if (sa == NULL || util_format_addr(sa, tmp, sizeof(tmp), flags) != 0) {
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
static size_t util_parse_small_num(struct mg_str s, unsigned max,
                                   unsigned *out) {
  size_t i;
  *out = 0;
  for (i = 0; i < s.len && i < 4 && s.p[i] >= '0' && s.p[i] <= '9'; i++) {
    *out = *out * 10 + (unsigned) (s.p[i] - '0');
  }
  return (i == 0 || i > 3 || *out > max) ? 0 : i;
}

// Parses "a.b.c.d" or "a.b.c.d/nn" (the whole slice). Returns 0 on success.
static int util_parse_net(struct mg_str s, uint32_t *net, uint32_t *mask) {
  unsigned v, bits = 32;
  size_t n;
  int i;
  *net = 0;
  for (i = 0; i < 4; i++) {
    if ((n = util_parse_small_num(s, 255, &v)) == 0) return -1;
    *net = (*net << 8) | v;
    s.p += n, s.len -= n;
    if (i < 3 && (s.len == 0 || s.p[0] != '.')) return -1;
    if (i < 3) s.p++, s.len--;
  }
  if (s.len > 0 && s.p[0] == '/') {
    s.p++, s.len--;
    if ((n = util_parse_small_num(s, 32, &bits)) == 0) return -1;
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
    if (util_parse_net(addr, &net, &mask) != 0) return -1;
    if ((remote_ip & mask) == net) allowed = entry.p[0] == '+';
  }
  return allowed;
}

// Formats one hexdump line for n (1..16) bytes at offset. Returns its length.
static int util_hexdump_line(const unsigned char *p, int n, int offset,
                             char line[80]) {
  int i, len = snprintf(line, 80, "%04x ", (unsigned) offset);
  for (i = 0; i < 16; i++) {
    if (i < n) {
      len += snprintf(line + len, (size_t) (80 - len), " %02x", p[i]);
    } else {
      len += snprintf(line + len, (size_t) (80 - len), "   ");
    }
  }
  line[len++] = ' ';
  line[len++] = ' ';
  for (i = 0; i < n; i++) {
    line[len++] = p[i] >= 0x20 && p[i] < 0x7f ? (char) p[i] : '.';
  }
  line[len++] = '\n';
  line[len] = '\0';
  return len;
}

int mg_hexdump(const void *buf, int len, char *dst, int dst_len) {
  const unsigned char *p = (const unsigned char *) buf;
  char line[80];
  int i, n, written = 0;
  if (dst == NULL || dst_len <= 0) return 0;
  dst[0] = '\0';
  for (i = 0; i < len && written < dst_len - 1; i += 16) {
    n = util_hexdump_line(p + i, len - i < 16 ? len - i : 16, i, line);
    if (n > dst_len - 1 - written) n = dst_len - 1 - written;
    memcpy(dst + written, line, (size_t) n);
    written += n;
    dst[written] = '\0';
  }
  return written;
}

void mg_hexdumpf(FILE *fp, const void *buf, int len) {
  const unsigned char *p = (const unsigned char *) buf;
  char line[80];
  int i;
  for (i = 0; i < len; i += 16) {
    util_hexdump_line(p + i, len - i < 16 ? len - i : 16, i, line);
    fputs(line, fp);
  }
}

int mg_is_big_endian(void) {
  static const uint16_t probe = 0x0102;
  return *(const unsigned char *) &probe == 0x01;
}

#if MG_ENABLE_FILESYSTEM
int mg_stat(const char *path, cs_stat_t *st) {
  return stat(path, st);
}

FILE *mg_fopen(const char *path, const char *mode) {
  return fopen(path, mode);
}

int mg_open(const char *path, int flag, int mode) {
  return open(path, flag, mode);
}

size_t mg_fread(void *ptr, size_t size, size_t count, FILE *f) {
  return fread(ptr, size, count, f);
}

size_t mg_fwrite(const void *ptr, size_t size, size_t count, FILE *f) {
  return fwrite(ptr, size, count, f);
}
#endif

#if MG_ENABLE_THREADS
void *mg_start_thread(void *(*thread_func)(void *), void *thread_func_param) {
  pthread_t tid;
  pthread_attr_t attr;
  int rc;
  if (pthread_attr_init(&attr) != 0) return NULL;
  (void) pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  rc = pthread_create(&tid, &attr, thread_func, thread_func_param);
  (void) pthread_attr_destroy(&attr);
  // pthread_t is an integer or a pointer depending on the platform.
  return rc == 0 ? (void *) (uintptr_t) tid : NULL;
}
#endif
