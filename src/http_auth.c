#include "http_internal.h"
#include "base64.h"
#include "md5.h"
#include "sha1.h"

#if MG_ENABLE_HTTP

// Digest authentication, RFC 7616 with MD5 and qop=auth only. We always
// challenge with qop="auth", so a response without qop (the RFC 2069 form,
// which has no cnonce and no nonce count) is refused: accepting it would
// give up the replay protection that nc provides.
//
// Nonces are "<time:8 hex><counter:4 hex><MAC:20 hex>", 32 characters so
// that they fit the buffers of 6.x clients. The MAC is HMAC-SHA1 of the
// first 12 characters keyed with a per-process random secret, truncated to
// 80 bits, the least RFC 2104 (section 5) recommends; forging one takes
// about 2^79 tries, each a request. So the server can tell that it issued a
// nonce without remembering it, and it refuses nonces older than an hour
// (AUTH_NONCE_TTL). The counter keeps the nonces of one second apart (up to
// 65536 of them), as the replay table below needs. A restart makes old
// nonces invalid: clients simply get a new challenge.
//
// Replays: the nonce count of the last AUTH_NC_SLOTS nonces used (least
// recently used evicted) is kept in a fixed table, and a request whose nc is
// not above the last one accepted for its nonce is refused. This is best
// effort: once a nonce is evicted, a request captured with it could be
// replayed until the nonce expires.

#define AUTH_NONCE_TTL 3600  // Seconds a nonce stays valid
#define AUTH_NONCE_SKEW 60   // Seconds a nonce may come from the future
#define AUTH_NONCE_LEN 32    // Characters in a nonce
#define AUTH_NONCE_STAMP 12  // Of which time and counter
#define AUTH_MAC_BYTES 10    // Bytes of the HMAC kept (20 hex characters)
#define AUTH_NC_SLOTS 64     // Nonces whose count is remembered
#define AUTH_LINE_MAX 512    // Longest htdigest line considered

static unsigned char s_auth_key[20];  // HMAC key for nonces
static int s_auth_key_ready;          // s_auth_key is initialised
static uint32_t s_auth_counter;       // Makes each nonce unique

#if MG_ENABLE_THREADS
// Several managers may run in several threads: the state above is shared.
static pthread_mutex_t s_auth_lock = PTHREAD_MUTEX_INITIALIZER;
static void auth_lock(void) {
  pthread_mutex_lock(&s_auth_lock);
}
static void auth_unlock(void) {
  pthread_mutex_unlock(&s_auth_lock);
}
#else
static void auth_lock(void) {}
static void auth_unlock(void) {}
#endif

// Fills the key once per process, from /dev/urandom when possible. The
// fallback mixes what differs between processes and runs; it is weaker, but
// still not known to a remote client. Call with the lock held.
static void auth_init_key(void) {
  FILE *fp;
  size_t n = 0;
  if (s_auth_key_ready) return;
  if ((fp = fopen("/dev/urandom", "rb")) != NULL) {
    n = fread(s_auth_key, 1, sizeof(s_auth_key), fp);
    fclose(fp);
  }
  if (n != sizeof(s_auth_key)) {
    double now = mg_time();
    long pid = (long) getpid();
    clock_t ticks = clock();
    void *where = &fp;
    const uint8_t *msgs[4];
    size_t lens[4];
    msgs[0] = (const uint8_t *) &now, lens[0] = sizeof(now);
    msgs[1] = (const uint8_t *) &pid, lens[1] = sizeof(pid);
    msgs[2] = (const uint8_t *) &ticks, lens[2] = sizeof(ticks);
    msgs[3] = (const uint8_t *) &where, lens[3] = sizeof(where);
    mg_hash_sha1_v(4, msgs, lens, s_auth_key);
  }
  s_auth_key_ready = 1;
}

static void auth_hex(const unsigned char *d, size_t n, char *out) {
  static const char *digits = "0123456789abcdef";
  size_t i;
  for (i = 0; i < n; i++) {
    out[2 * i] = digits[d[i] >> 4];
    out[2 * i + 1] = digits[d[i] & 15];
  }
  out[2 * n] = '\0';
}

// out = lowercase hex MD5 of the parts joined with ':'.
static void auth_md5_join(char out[33], const struct mg_str *parts, size_t n) {
  struct mg_md5_ctx ctx;
  unsigned char digest[16];
  size_t i;
  mg_md5_init(&ctx);
  for (i = 0; i < n; i++) {
    if (i > 0) mg_md5_update(&ctx, (const unsigned char *) ":", 1);
    mg_md5_update(&ctx, (const unsigned char *) parts[i].p, parts[i].len);
  }
  mg_md5_final(digest, &ctx);
  auth_hex(digest, sizeof(digest), out);
}

// The expected response: MD5(HA1:nonce:nc:cnonce:qop:MD5(method:uri)).
static void auth_response(const char ha1[33], struct mg_str method,
                          struct mg_str uri, struct mg_str nonce,
                          struct mg_str nc, struct mg_str cnonce,
                          struct mg_str qop, char out[33]) {
  char ha2[33];
  struct mg_str p[6];
  p[0] = method, p[1] = uri;
  auth_md5_join(ha2, p, 2);
  p[0] = mg_mk_str_n(ha1, 32), p[1] = nonce, p[2] = nc, p[3] = cnonce;
  p[4] = qop, p[5] = mg_mk_str_n(ha2, 32);
  auth_md5_join(out, p, 6);
}

// Signs the first AUTH_NONCE_STAMP characters of nonce: out gets
// 2 * AUTH_MAC_BYTES hex digits and a NUL.
static void auth_sign(const char *nonce, char out[2 * AUTH_MAC_BYTES + 1]) {
  unsigned char mac[20];
  auth_lock();
  auth_init_key();
  auth_unlock();
  mg_hmac_sha1(s_auth_key, sizeof(s_auth_key), (const unsigned char *) nonce,
               AUTH_NONCE_STAMP, mac);
  auth_hex(mac, AUTH_MAC_BYTES, out);
}

static void auth_make_nonce(char out[AUTH_NONCE_LEN + 1]) {
  uint32_t now = (uint32_t) (unsigned long) mg_time(), ctr;
  auth_lock();
  ctr = ++s_auth_counter;
  auth_unlock();
  snprintf(out, AUTH_NONCE_STAMP + 1, "%08lx%04lx", (unsigned long) now,
           (unsigned long) (ctr & 0xffff));
  auth_sign(out, out + AUTH_NONCE_STAMP);
}

// Random lowercase hex (2 * n characters, n <= AUTH_MAC_BYTES) for a
// client nonce.
static void auth_random_hex(char *out, size_t n) {
  char stamp[AUTH_NONCE_LEN + 1];
  auth_make_nonce(stamp);  // Unique and unpredictable: reuse its MAC.
  if (n > AUTH_MAC_BYTES) n = AUTH_MAC_BYTES;
  memcpy(out, stamp + AUTH_NONCE_STAMP, 2 * n);
  out[2 * n] = '\0';
}

void mg_http_send_digest_auth_request(struct mg_connection *c,
                                      const char *domain) {
  char nonce[AUTH_NONCE_LEN + 1];
  const char *p;
  auth_make_nonce(nonce);
  mg_send_response_line(c, 401, NULL);
  mg_printf(c, "%s", "WWW-Authenticate: Digest qop=\"auth\", realm=\"");
  // The realm is a quoted-string: escape quotes and backslashes, and drop
  // CR and LF, which would end the header.
  for (p = domain == NULL ? "" : domain; *p != '\0'; p++) {
    if (*p == '\r' || *p == '\n') continue;
    if (*p == '"' || *p == '\\') mg_send(c, "\\", 1);
    mg_send(c, p, 1);
  }
  mg_printf(c, "\", nonce=\"%s\"\r\nContent-Length: 0\r\n\r\n", nonce);
}

int mg_http_create_digest_auth_header(char *buf, size_t buf_len,
                                      const char *method, const char *uri,
                                      const char *auth_domain, const char *user,
                                      const char *passwd, const char *nonce) {
  char ha1[33], resp[33], cnonce[17];
  struct mg_str p[3];
  int n;
  if (buf == NULL || buf_len == 0) return 0;
  buf[0] = '\0';
  if (method == NULL || uri == NULL || auth_domain == NULL || user == NULL ||
      passwd == NULL || nonce == NULL) {
    return 0;
  }
  p[0] = mg_mk_str(user), p[1] = mg_mk_str(auth_domain);
  p[2] = mg_mk_str(passwd);
  auth_md5_join(ha1, p, 3);
  auth_random_hex(cnonce, 8);
  auth_response(ha1, mg_mk_str(method), mg_mk_str(uri), mg_mk_str(nonce),
                mg_mk_str("00000001"), mg_mk_str(cnonce), mg_mk_str("auth"),
                resp);
  n = snprintf(buf, buf_len,
               "Authorization: Digest username=\"%s\", realm=\"%s\", "
               "nonce=\"%s\", uri=\"%s\", qop=auth, nc=00000001, "
               "cnonce=\"%s\", response=\"%s\"",
               user, auth_domain, nonce, uri, cnonce, resp);
  if (n < 0 || (size_t) n >= buf_len) {
    buf[0] = '\0';
    return 0;
  }
  return n;
}

// Basic authentication (RFC 7617), client side.
void mg_basic_auth_header(const struct mg_str user, const struct mg_str pass,
                          struct mbuf *buf) {
  static const char prefix[] = "Authorization: Basic ";
  struct mg_str parts[3];
  parts[0] = user;
  parts[1] = mg_mk_str_n(":", 1);
  parts[2] = pass;
  mbuf_append(buf, prefix, sizeof(prefix) - 1);
  // RFC 7617 always has the colon; a NULL password (6.x: a bare token)
  // encodes the user part alone.
  mg_mbuf_append_base64_parts(buf, parts, pass.p != NULL ? 3 : 1);
  mbuf_append(buf, "\r\n", 2);
}

#if MG_ENABLE_FILESYSTEM
struct auth_nc_slot {
  char nonce[AUTH_NONCE_LEN];  // The nonce (valid when used != 0)
  uint32_t nc;                 // Highest nonce count accepted for it
  unsigned long used;          // LRU tick of the last use; 0 = free slot
};

static unsigned long s_auth_tick;  // LRU clock for s_auth_nc
static struct auth_nc_slot s_auth_nc[AUTH_NC_SLOTS];

// Parses exactly n hex digits of s into *v. Returns 1 on success.
static int auth_parse_hex32(const char *s, size_t n, uint32_t *v) {
  size_t i;
  *v = 0;
  for (i = 0; i < n; i++) {
    int d = mg_hex_digit_value((unsigned char) s[i]);
    if (d < 0) return 0;
    *v = (*v << 4) | (uint32_t) d;
  }
  return 1;
}

// Compares n hex digits ignoring case, in time independent of the data.
static int auth_hex_equal(const char *a, const char *b, size_t n) {
  size_t i;
  int diff = 0;
  for (i = 0; i < n; i++) {
    diff |= tolower((unsigned char) a[i]) ^ tolower((unsigned char) b[i]);
  }
  return diff == 0;
}

// True if we issued nonce and it has not expired.
static int auth_nonce_ok(struct mg_str nonce) {
  char mac[2 * AUTH_MAC_BYTES + 1];
  uint32_t stamp, ctr, now = (uint32_t) (unsigned long) mg_time();
  if (nonce.len != AUTH_NONCE_LEN) return 0;
  if (!auth_parse_hex32(nonce.p, 8, &stamp) ||
      !auth_parse_hex32(nonce.p + 8, 4, &ctr)) {
    return 0;
  }
  auth_sign(nonce.p, mac);
  if (!auth_hex_equal(mac, nonce.p + AUTH_NONCE_STAMP, 2 * AUTH_MAC_BYTES)) {
    return 0;
  }
  // Unsigned differences: correct across the 32-bit wrap of the clock.
  return (uint32_t) (now - stamp) <= AUTH_NONCE_TTL ||
         (uint32_t) (stamp - now) <= AUTH_NONCE_SKEW;
}

// Accepts nc for nonce if it is above the last count accepted for it, and
// remembers it. A nonce not in the table takes the least recently used slot.
static int auth_nc_update(struct mg_str nonce, uint32_t nc) {
  size_t i, victim = 0;
  int ok = 1;
  auth_lock();
  for (i = 0; i < AUTH_NC_SLOTS; i++) {
    struct auth_nc_slot *s = &s_auth_nc[i];
    if (s->used != 0 && memcmp(s->nonce, nonce.p, AUTH_NONCE_LEN) == 0) break;
    if (s->used < s_auth_nc[victim].used) victim = i;
  }
  if (i < AUTH_NC_SLOTS) {
    ok = nc > s_auth_nc[i].nc;
    victim = i;
  } else {
    memcpy(s_auth_nc[victim].nonce, nonce.p, AUTH_NONCE_LEN);
    s_auth_nc[victim].nc = 0;
  }
  if (ok) s_auth_nc[victim].nc = nc;
  s_auth_nc[victim].used = ++s_auth_tick;
  auth_unlock();
  return ok;
}

// Splits an htdigest line "user:realm:HA1" (CR, LF and trailing blanks
// removed). Returns 1 if it has the three fields and HA1 is 32 hex digits.
static int auth_parse_line(const char *line, struct mg_str *user,
                           struct mg_str *realm, struct mg_str *ha1) {
  struct mg_str s = mg_strstrip(mg_mk_str(line));
  const char *c1 = mg_strchr(s, ':'), *c2;
  uint32_t v;
  if (c1 == NULL) return 0;
  c2 = mg_strchr(mg_mk_str_n(c1 + 1, (size_t) (s.p + s.len - c1 - 1)), ':');
  if (c2 == NULL) return 0;
  *user = mg_mk_str_n(s.p, (size_t) (c1 - s.p));
  *realm = mg_mk_str_n(c1 + 1, (size_t) (c2 - c1 - 1));
  *ha1 = mg_mk_str_n(c2 + 1, (size_t) (s.p + s.len - c2 - 1));
  return ha1->len == 32 && auth_parse_hex32(ha1->p, 8, &v) &&
         auth_parse_hex32(ha1->p + 8, 8, &v) &&
         auth_parse_hex32(ha1->p + 16, 8, &v) &&
         auth_parse_hex32(ha1->p + 24, 8, &v);
}

// Finds user in realm in the htdigest file fp (read from its start).
// Lines too long for the buffer are skipped whole. Returns 1 and fills ha1
// (lowercase) if found.
static int auth_find_ha1(FILE *fp, struct mg_str user, struct mg_str realm,
                         char ha1[33]) {
  char line[AUTH_LINE_MAX];
  struct mg_str u, r, h;
  size_t i;
  int skipping = 0;
  rewind(fp);
  while (fgets(line, sizeof(line), fp) != NULL) {
    int whole = strchr(line, '\n') != NULL || feof(fp);
    int was_skipping = skipping;
    skipping = !whole;
    if (was_skipping || !whole) continue;
    if (!auth_parse_line(line, &u, &r, &h)) continue;
    if (mg_strcmp(u, user) != 0 || mg_strcmp(r, realm) != 0) continue;
    for (i = 0; i < 32; i++) ha1[i] = (char) tolower((unsigned char) h.p[i]);
    ha1[32] = '\0';
    return 1;
  }
  return 0;
}

int mg_check_digest_auth(struct mg_str method, struct mg_str uri,
                         struct mg_str username, struct mg_str cnonce,
                         struct mg_str response, struct mg_str qop,
                         struct mg_str nc, struct mg_str nonce,
                         struct mg_str auth_domain, FILE *fp) {
  char ha1[33], expected[33];
  uint32_t count;
  if (fp == NULL || mg_vcasecmp(&qop, "auth") != 0 || nc.len != 8 ||
      !auth_parse_hex32(nc.p, 8, &count) || count == 0 || response.len != 32 ||
      cnonce.len == 0 || username.len == 0 || !auth_nonce_ok(nonce)) {
    return 0;
  }
  if (!auth_find_ha1(fp, username, auth_domain, ha1)) return 0;
  auth_response(ha1, method, uri, nonce, nc, cnonce, qop, expected);
  if (!auth_hex_equal(expected, response.p, 32)) return 0;
  // Only a valid response may advance the count: otherwise anyone could
  // burn a legitimate client's nonce.
  return auth_nc_update(nonce, count);
}

// True if uri (from the Authorization header) is the request target of hm:
// its path and, when there is one, "?" and the query string.
static int auth_uri_matches(const struct http_message *hm, struct mg_str uri) {
  struct mg_str rest;
  if (uri.len < hm->uri.len || memcmp(uri.p, hm->uri.p, hm->uri.len) != 0) {
    return 0;
  }
  rest = mg_mk_str_n(uri.p + hm->uri.len, uri.len - hm->uri.len);
  if (rest.len == 0) return hm->query_string.len == 0;
  if (rest.p[0] != '?') return 0;
  rest.p++, rest.len--;
  return mg_strcmp(rest, hm->query_string) == 0;
}

#define AUTH_NUM_PARAMS 7
int mg_http_check_digest_auth(struct http_message *hm, const char *auth_domain,
                              FILE *fp) {
  static const char *names[AUTH_NUM_PARAMS] = {
      "username", "cnonce", "response", "qop", "nc", "nonce", "uri"};
  char mem[AUTH_NUM_PARAMS][64], *v[AUTH_NUM_PARAMS];
  struct mg_str s[AUTH_NUM_PARAMS], *hdr;
  int i, ok = 1;
  if (hm == NULL || fp == NULL || auth_domain == NULL) return 0;
  hdr = mg_get_http_header(hm, "Authorization");
  if (hdr == NULL || hdr->len < 7 || mg_ncasecmp(hdr->p, "Digest ", 7) != 0) {
    return 0;
  }
  for (i = 0; i < AUTH_NUM_PARAMS; i++) {
    int n;
    v[i] = mem[i];
    n = mg_http_parse_header2(hdr, names[i], &v[i], sizeof(mem[i]));
    s[i] = mg_mk_str_n(v[i] == NULL ? "" : v[i], v[i] == NULL ? 0 : (size_t) n);
    if (s[i].len == 0) ok = 0;
  }
  ok = ok && auth_uri_matches(hm, s[6]) &&
       mg_check_digest_auth(hm->method, s[6], s[0], s[1], s[2], s[3], s[4],
                            s[5], mg_mk_str(auth_domain), fp);
  for (i = 0; i < AUTH_NUM_PARAMS; i++) {
    if (v[i] != mem[i]) MG_FREE(v[i]);
  }
  return ok;
}

// Names the per-directory password file for path: in path itself when it is
// a directory, else in the directory holding it. Returns *buf or a
// MG_MALLOC'd string (see mg_asprintf), NULL if memory ran out.
static char *auth_dir_file(struct mg_str path, const char *file, int is_dir,
                           char *buf, size_t size) {
  char *out = buf;
  size_t dir_len = path.len;
  if (!is_dir) {
    while (dir_len > 0 && path.p[dir_len - 1] != '/') dir_len--;
  }
  if (dir_len == 0) {
    mg_asprintf(&out, size, "%s", file);
  } else {
    mg_asprintf(&out, size, "%.*s%s%s", (int) dir_len, path.p,
                path.p[dir_len - 1] == '/' ? "" : "/", file);
  }
  return out;
}

int mg_http_is_authorized(struct http_message *hm, struct mg_str path,
                          const char *domain, const char *passwords_file,
                          int flags) {
  char mem[256], *name;
  int global = (flags & MG_AUTH_FLAG_IS_GLOBAL_PASS_FILE) != 0, ok;
  cs_stat_t st;
  FILE *fp;
  if (passwords_file == NULL) return 1;
  name = global ? (char *) passwords_file
                : auth_dir_file(path, passwords_file,
                                flags & MG_AUTH_FLAG_IS_DIRECTORY, mem,
                                sizeof(mem));
  if (name == NULL) return 0;
  if (mg_stat(name, &st) != 0) {
    // A directory without its own file is open; a missing global file
    // closes everything unless the caller says otherwise.
    ok = !global || (flags & MG_AUTH_FLAG_ALLOW_MISSING_FILE) != 0;
  } else if ((fp = mg_fopen(name, "r")) == NULL) {
    ok = 0;  // It exists but we cannot read it: fail closed.
  } else {
    ok = mg_http_check_digest_auth(hm, domain == NULL ? "" : domain, fp);
    fclose(fp);
  }
  if (name != mem && name != passwords_file) MG_FREE(name);
  return ok;
}
#endif  // MG_ENABLE_FILESYSTEM

#endif  // MG_ENABLE_HTTP
