#include "http_internal.h"
#include "base64.h"
#include "uri.h"

// Helpers that read the header fields of a parsed HTTP message: header
// lookup, header parameters (`Digest a=1, b="x"`, `form-data; name="f"`),
// Basic credentials and form variables. Results point into the input,
// except that mg_http_parse_header2() and mg_parse_http_basic_auth()
// allocate (a result buffer, a decode buffer); no I/O.

#if MG_ENABLE_HTTP

static int hdr_is_ws(char c) {
  return c == ' ' || c == '\t';
}

struct mg_str *mg_get_http_header(struct http_message *hm, const char *name) {
  int i;
  if (hm == NULL || name == NULL) return NULL;
  for (i = 0; i < MG_MAX_HTTP_HEADERS && hm->header_names[i].len > 0; i++) {
    if (mg_vcasecmp(&hm->header_names[i], name) == 0) {
      return &hm->header_values[i];
    }
  }
  return NULL;
}

static int hdr_is_param_sep(char c) {
  return c == ' ' || c == '\t' || c == ',' || c == ';';
}

// Reads one parameter value at *pp (before end): a quoted-string with
// backslash escapes, in double or (as 6.x accepts) single quotes, or bytes
// up to a separator. Returns 0 with *v (without the quotes), *quote (the
// quote character, 0 for a bare value) and *pp moved past it, -1 if a quote
// is not closed.
static int hdr_param_value(const char **pp, const char *end, struct mg_str *v,
                           char *quote) {
  const char *p = *pp, *b;
  *quote = p < end && (*p == '"' || *p == '\'') ? *p : 0;
  if (*quote != 0) {
    for (b = ++p; p < end && *p != *quote; p++) {
      if (*p == '\\' && p + 1 < end) p++;
    }
    if (p >= end) return -1;
    *v = mg_mk_str_n(b, (size_t) (p - b));
    *pp = p + 1;
  } else {
    for (b = p; p < end && !hdr_is_param_sep(*p);) p++;
    *v = mg_mk_str_n(b, (size_t) (p - b));
    *pp = p;
  }
  return 0;
}

// Finds parameter name (ignoring case) in a header value such as
// `Digest a=1, b="x"` or `form-data; name="f"; filename="x.txt"`. Names
// match whole: "name" never matches "filename". Returns 1 if found.
static int hdr_find_param(struct mg_str hdr, const char *name, struct mg_str *v,
                          char *quote) {
  const char *p = hdr.p, *end = hdr.p + hdr.len, *k;
  size_t klen, nlen = strlen(name);
  while (p < end) {
    while (p < end && hdr_is_param_sep(*p)) p++;
    for (k = p; p < end && !hdr_is_param_sep(*p) && *p != '=';) p++;
    klen = (size_t) (p - k);
    while (p < end && hdr_is_ws(*p)) p++;
    if (p >= end || *p != '=') continue;  // A word without a value
    for (p++; p < end && hdr_is_ws(*p);) p++;
    if (hdr_param_value(&p, end, v, quote) < 0) return 0;
    if (klen == nlen && klen > 0 && mg_ncasecmp(k, name, nlen) == 0) return 1;
  }
  return 0;
}

// Copies v into dst (if not NULL) undoing backslash escapes when it was in
// quotes (quote is the quote character, 0 if none), and NUL-terminates.
// Returns the unescaped length.
static size_t hdr_unquote(struct mg_str v, char quote, char *dst) {
  size_t i, n = 0;
  for (i = 0; i < v.len; i++, n++) {
    // Only the quote and \\ are unescaped: browsers send a backslash in a
    // file name as is, and "..\x" must reach the application unchanged.
    if (quote != 0 && v.p[i] == '\\' && i + 1 < v.len &&
        (v.p[i + 1] == quote || v.p[i + 1] == '\\'))
      i++;
    if (dst != NULL) dst[n] = v.p[i];
  }
  if (dst != NULL) dst[n] = '\0';
  return n;
}

int mg_http_parse_header2(struct mg_str *hdr, const char *var_name, char **buf,
                          size_t buf_size) {
  struct mg_str v;
  char quote;
  size_t len;
  char *dst;
  if (buf == NULL) return 0;
  if (*buf != NULL && buf_size > 0) (*buf)[0] = '\0';
  if (hdr == NULL || hdr->p == NULL || var_name == NULL ||
      !hdr_find_param(*hdr, var_name, &v, &quote)) {
    return 0;
  }
  if ((len = hdr_unquote(v, quote, NULL)) >= (size_t) INT_MAX) return 0;
  if ((dst = *buf) == NULL || len >= buf_size) {
    if ((dst = (char *) MG_MALLOC(len + 1)) == NULL) return 0;
    *buf = dst;
  }
  hdr_unquote(v, quote, dst);
  return (int) len;
}

int mg_http_parse_header(struct mg_str *hdr, const char *var_name, char *buf,
                         size_t buf_size) {
  struct mg_str v;
  char quote;
  size_t len;
  if (buf == NULL || buf_size == 0) return 0;
  buf[0] = '\0';
  if (hdr == NULL || hdr->p == NULL || var_name == NULL ||
      !hdr_find_param(*hdr, var_name, &v, &quote)) {
    return 0;
  }
  len = hdr_unquote(v, quote, NULL);
  if (len >= buf_size || len >= (size_t) INT_MAX) return 0;
  hdr_unquote(v, quote, buf);
  return (int) len;
}

int mg_get_http_basic_auth(struct http_message *hm, char *user, size_t user_len,
                           char *pass, size_t pass_len) {
  struct mg_str *hdr = mg_get_http_header(hm, "Authorization");
  if (user != NULL && user_len > 0) user[0] = '\0';
  if (pass != NULL && pass_len > 0) pass[0] = '\0';
  if (hdr == NULL) return -1;
  return mg_parse_http_basic_auth(hdr, user, user_len, pass, pass_len);
}

// Splits decoded "user:pass" (len bytes, no NUL inside) at the first ':'
// into the buffers. As in 6.x, credentials without a ':' are a user with an
// empty password, and an empty user is refused. Returns 0, or -1 if the
// user is empty or a part does not fit.
static int hdr_split_credentials(const char *d, size_t len, char *user,
                                 size_t user_len, char *pass, size_t pass_len) {
  const char *colon = (const char *) memchr(d, ':', len);
  size_t ul = colon == NULL ? len : (size_t) (colon - d);
  size_t pl = colon == NULL ? 0 : len - ul - 1;
  if (ul == 0 || ul >= user_len || pl >= pass_len) return -1;
  memcpy(user, d, ul);
  user[ul] = '\0';
  if (pl > 0) memcpy(pass, colon + 1, pl);
  pass[pl] = '\0';
  return 0;
}

int mg_parse_http_basic_auth(struct mg_str *hdr, char *user, size_t user_len,
                             char *pass, size_t pass_len) {
  struct mg_str t;
  char *d;
  size_t len;
  int r = -1;
  if (user == NULL || pass == NULL || user_len == 0 || pass_len == 0) return -1;
  user[0] = pass[0] = '\0';
  if (hdr == NULL || hdr->p == NULL || hdr->len < 6 ||
      mg_ncasecmp(hdr->p, "Basic ", 6) != 0) {
    return -1;
  }
  t = mg_strstrip(mg_mk_str_n(hdr->p + 6, hdr->len - 6));
  if (t.len == 0 || t.len % 4 != 0 || t.len > (size_t) INT_MAX) return -1;
  // Padded base64 only: every byte must be consumed.
  len = t.len / 4 * 3 - (t.p[t.len - 1] == '=') - (t.p[t.len - 2] == '=');
  if ((d = (char *) MG_MALLOC(t.len / 4 * 3 + 1)) == NULL) return -1;
  if (mg_base64_decode((const unsigned char *) t.p, (int) t.len, d) ==
          (int) t.len &&
      strlen(d) == len) {
    r = hdr_split_credentials(d, len, user, user_len, pass, pass_len);
  }
  MG_FREE(d);
  if (r < 0) user[0] = pass[0] = '\0';
  return r;
}

// Returns 1 if every '%' in v starts a %XX escape.
static int hdr_escapes_ok(struct mg_str v) {
  size_t i;
  for (i = 0; i < v.len; i++) {
    if (v.p[i] != '%') continue;
    if (i + 2 >= v.len || mg_hex_digit_value((unsigned char) v.p[i + 1]) < 0 ||
        mg_hex_digit_value((unsigned char) v.p[i + 2]) < 0) {
      return 0;
    }
    i += 2;
  }
  return 1;
}

// Finds "name=value" (name ignoring case, as 6.x) in a '&'-separated list.
static int hdr_find_var(struct mg_str buf, const char *name, struct mg_str *v) {
  const char *p = buf.p, *end = buf.p + buf.len, *b, *eq;
  size_t nlen = strlen(name);
  while (p < end) {
    for (b = p; p < end && *p != '&';) p++;
    eq = (const char *) memchr(b, '=', (size_t) (p - b));
    if (eq != NULL && (size_t) (eq - b) == nlen &&
        mg_ncasecmp(b, name, nlen) == 0) {
      *v = mg_mk_str_n(eq + 1, (size_t) (p - eq - 1));
      return 1;
    }
    if (p < end) p++;
  }
  return 0;
}

// 6.x's codes: -2 (no usable dst) is checked first, as nothing can be
// written then; every other failure leaves dst "".
int mg_get_http_var(const struct mg_str *buf, const char *name, char *dst,
                    size_t dst_len) {
  struct mg_str v;
  int r;
  if (dst == NULL || dst_len == 0) return -2;
  dst[0] = '\0';
  if (buf == NULL || buf->p == NULL || buf->len == 0 || name == NULL ||
      name[0] == '\0') {
    return -1;
  }
  if (!hdr_find_var(*buf, name, &v)) return -4;
  if (!hdr_escapes_ok(v) || v.len >= (size_t) INT_MAX) return -3;
  r = mg_url_decode(v.p, (int) v.len, dst,
                    dst_len > (size_t) INT_MAX ? INT_MAX : (int) dst_len, 1);
  if (r < 0) {
    dst[0] = '\0';
    return -3;
  }
  return r;
}

#endif  // MG_ENABLE_HTTP
