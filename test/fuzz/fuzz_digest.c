// Fuzzes digest authentication (src/http_auth.c; this target compiles
// mongoose.c in to reach its static helpers). The input is up to four
// fields split at NUL bytes: an Authorization header value, an htdigest
// file, a user name and a password.
// 1. The header value and the file from the input: the check must refuse
//    (a nonce the input made up cannot carry the server's HMAC), and never
//    read outside its buffers.
// 2. A round trip: mg_http_create_digest_auth_header() for the input's
//    user and password, with a fresh server nonce, checked against the
//    input's file with the user's line appended: it must pass once, fail
//    when replayed (the nonce count did not rise), and fail with any
//    digit of the response changed.
#include "../../mongoose.c"  // First: it sets the feature-test macros

#define FIELDS 4

static FILE *mem_file(const char *p, size_t n) {
  // fmemopen() wants a size above 0: an empty file is one NUL-free byte
  // that is a blank line.
  return n > 0 ? fmemopen((void *) p, n, "r") : fmemopen((void *) "\n", 1, "r");
}

static void set_header(struct http_message *hm, struct mg_str value) {
  memset(hm, 0, sizeof(*hm));
  hm->method = mg_mk_str("GET");
  hm->uri = mg_mk_str("/r");
  hm->proto = mg_mk_str("HTTP/1.1");
  hm->header_names[0] = mg_mk_str("Authorization");
  hm->header_values[0] = value;
}

// A user name and password that the header writer can quote as they are.
static int plain(struct mg_str s, int is_user) {
  size_t i;
  if (s.len == 0 || s.len > 40) return 0;
  for (i = 0; i < s.len; i++) {
    unsigned char c = (unsigned char) s.p[i];
    if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') return 0;
    if (is_user && c == ':') return 0;
  }
  return 1;
}

static void round_trip(struct mg_str file, struct mg_str user,
                       struct mg_str pass) {
  char u[41], pw[41], nonce[AUTH_NONCE_LEN + 1], hdr[512], ha1[33];
  char *text;
  struct mg_str parts[3], value;
  struct http_message hm;
  size_t n;
  FILE *fp;
  if (!plain(user, 1) || !plain(pass, 0)) return;
  memcpy(u, user.p, user.len);
  u[user.len] = '\0';
  memcpy(pw, pass.p, pass.len);
  pw[pass.len] = '\0';
  auth_make_nonce(nonce);
  if (mg_http_create_digest_auth_header(hdr, sizeof(hdr), "GET", "/r", "dom", u,
                                        pw, nonce) <= 0) {
    abort();  // Short fields always fit
  }
  parts[0] = user, parts[1] = mg_mk_str("dom"), parts[2] = pass;
  auth_md5_join(ha1, parts, 3);
  // The input's file first (its lines for other users, or broken ones),
  // then the user's line: the first matching line wins, so the file may
  // only hold lines for this user and realm that fail.
  n = file.len + user.len + 40;
  if ((text = (char *) malloc(n)) == NULL) abort();
  memcpy(text, file.p, file.len);
  n = file.len;
  n += (size_t) snprintf(text + n, user.len + 40, "\n%s:dom:%s\n", u, ha1);
  value = mg_mk_str(hdr + strlen("Authorization: "));
  set_header(&hm, value);
  if ((fp = fmemopen(text, n, "r")) == NULL) abort();
  {
    // It passes unless the input's file has its own line for this user
    // and realm, with another HA1 (the first matching line counts).
    char h2[33];
    FILE *in = mem_file(file.p, file.len);
    int other, ok;
    if (in == NULL) abort();
    other =
        auth_find_ha1(in, user, mg_mk_str("dom"), h2) && strcmp(h2, ha1) != 0;
    fclose(in);
    ok = mg_http_check_digest_auth(&hm, "dom", fp);
    if (ok != !other) abort();
    // The same header again is a replay (nonce count not above the last
    // one accepted): refused.
    if (ok && mg_http_check_digest_auth(&hm, "dom", fp) != 0) abort();
  }
  // A changed response digit is always refused.
  {
    char *r = strstr(hdr, "response=\"");
    if (r == NULL) abort();
    r += 10;
    *r = *r == '0' ? '1' : '0';
    if (mg_http_check_digest_auth(&hm, "dom", fp) != 0) abort();
  }
  fclose(fp);
  free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct mg_str f[FIELDS];
  struct http_message hm;
  const char *p = (const char *) data, *end = p + size;
  char *copy;
  FILE *fp;
  int i;
  for (i = 0; i < FIELDS; i++) {
    const char *z =
        p < end ? (const char *) memchr(p, 0, (size_t) (end - p)) : NULL;
    const char *e = z == NULL ? end : z;
    f[i] = mg_mk_str_n(p, (size_t) (e - p));
    p = z == NULL ? end : z + 1;
  }
  // The header value in a buffer of exactly its size.
  if ((copy = (char *) malloc(f[0].len > 0 ? f[0].len : 1)) == NULL) abort();
  if (f[0].len > 0) memcpy(copy, f[0].p, f[0].len);
  set_header(&hm, mg_mk_str_n(copy, f[0].len));
  if ((fp = mem_file(f[1].p, f[1].len)) == NULL) abort();
  if (mg_http_check_digest_auth(&hm, "dom", fp) != 0) abort();
  fclose(fp);
  free(copy);
  round_trip(f[1], f[2], f[3]);
  return 0;
}
