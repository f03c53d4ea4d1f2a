// Mongoose 6.x names that are not ours: MG_VERSION, MG_MAIN_IFACE, the
// handler user-data macros, and the cs_/c_ helpers of 6.x's common library.
// The helpers are macros and static inline wrappers over the mg_ functions
// (they add no symbol to the library), with 6.18's signatures and behaviour.
// The 6.x switches are in config.h, the platform names in arch.h.
#pragma once
#include "arch.h"
#include "base64.h"
#include "config.h"
#include "md5.h"
#include "sha1.h"
#include "str.h"
#include "util.h"

// The version: the 6.x API this library implements, then '+' and this
// implementation's own release. "6.18+0.1.0" reads as 6.18 to a 6.x
// program's strncmp(MG_VERSION, "6.18", 4), atof(), sscanf("%d.%d") and
// ordered strcmp() checks, and to semver (where '+' starts build metadata).
// Only an exact strcmp(MG_VERSION, "6.18") == 0 fails: compare
// MG_API_VERSION for that.
#define MG_API_VERSION "6.18"
#define MG_IMPL_VERSION "0.1.0"
#define MG_VERSION MG_API_VERSION "+" MG_IMPL_VERSION

// Index of the main iface in mgr->ifaces (6.x: mgr->ifaces[MG_MAIN_IFACE]).
// Its vtable is mg_ifaces[MG_MAIN_IFACE], the default iface
// (MG_DEFAULT_IFACE), unless mg_mgr_init_opt() names another.
#define MG_MAIN_IFACE 0

// CS_STRINGIFY_LIT(5) is "5"; CS_STRINGIFY_MACRO(X) stringifies X's value.
#define CS_STRINGIFY_LIT(...) #__VA_ARGS__
#define CS_STRINGIFY_MACRO(x) CS_STRINGIFY_LIT(x)

// The number of elements of array a.
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) MG_ARRAY_SIZE(a)
#endif

// MD5: cs_md5_ctx is struct mg_md5_ctx; final writes 16 bytes to md.
typedef struct mg_md5_ctx cs_md5_ctx;
static inline void cs_md5_init(cs_md5_ctx *c) {
  mg_md5_init(c);
}
static inline void cs_md5_update(cs_md5_ctx *c, const unsigned char *data,
                                 size_t len) {
  mg_md5_update(c, data, len);
}
static inline void cs_md5_final(unsigned char *md, cs_md5_ctx *c) {
  mg_md5_final(md, c);
}

// SHA-1 and HMAC-SHA1: cs_sha1_ctx is struct mg_sha1_ctx.
typedef struct mg_sha1_ctx cs_sha1_ctx;
static inline void cs_sha1_init(cs_sha1_ctx *ctx) {
  mg_sha1_init(ctx);
}
static inline void cs_sha1_update(cs_sha1_ctx *ctx, const unsigned char *data,
                                  uint32_t len) {
  mg_sha1_update(ctx, data, (size_t) len);
}
static inline void cs_sha1_final(unsigned char digest[20], cs_sha1_ctx *ctx) {
  mg_sha1_final(digest, ctx);
}
static inline void cs_hmac_sha1(const unsigned char *key, size_t key_len,
                                const unsigned char *text, size_t text_len,
                                unsigned char out[20]) {
  mg_hmac_sha1(key, key_len, text, text_len, out);
}

// Streaming base64: cs_base64_update() feeds bytes, cs_base64_finish()
// pads the last quantum; b64_putc gets each character (for an mbuf:
// mg_mbuf_append_base64_putc with the struct mbuf * as user_data).
typedef void (*cs_base64_putc_t)(char ch, void *user_data);
struct cs_base64_ctx {
  cs_base64_putc_t b64_putc;  // Gets each output character
  unsigned char chunk[3];     // Bytes waiting for a whole quantum
  int chunk_size;             // How many bytes of chunk are waiting
  void *user_data;            // Second argument of b64_putc
};

static inline void cs_base64_init(struct cs_base64_ctx *ctx,
                                  cs_base64_putc_t b64_putc, void *user_data) {
  memset(ctx, 0, sizeof(*ctx));
  ctx->b64_putc = b64_putc;
  ctx->user_data = user_data;
}

// Encodes the waiting bytes (1 to 3) as one quantum and hands it out.
static inline void mg_compat_base64_emit(struct cs_base64_ctx *ctx) {
  char out[5];
  int i;
  mg_base64_encode(ctx->chunk, ctx->chunk_size, out);
  for (i = 0; i < 4; i++) ctx->b64_putc(out[i], ctx->user_data);
  ctx->chunk_size = 0;
}

static inline void cs_base64_update(struct cs_base64_ctx *ctx, const char *str,
                                    size_t len) {
  size_t i;
  for (i = 0; i < len; i++) {
    ctx->chunk[ctx->chunk_size++] = (unsigned char) str[i];
    if (ctx->chunk_size == 3) mg_compat_base64_emit(ctx);
  }
}

static inline void cs_base64_finish(struct cs_base64_ctx *ctx) {
  if (ctx->chunk_size > 0) mg_compat_base64_emit(ctx);
}

// Encodes src_len bytes into dst, NUL-terminated (4 * ((src_len + 2) / 3)
// + 1 bytes).
static inline void cs_base64_encode(const unsigned char *src, int src_len,
                                    char *dst) {
  mg_base64_encode(src, src_len, dst);
}

static inline void mg_compat_base64_fputc(char ch, void *fp) {
  fputc(ch, (FILE *) fp);
}

// Writes src_len bytes of src to f as padded base64.
static inline void cs_fprint_base64(FILE *f, const unsigned char *src,
                                    int src_len) {
  struct cs_base64_ctx ctx;
  cs_base64_init(&ctx, mg_compat_base64_fputc, f);
  if (src_len > 0) cs_base64_update(&ctx, (const char *) src, (size_t) src_len);
  cs_base64_finish(&ctx);
}

// Decodes base64 from s (at most len bytes) into dst, NUL-terminated.
// Returns the number of bytes of s consumed (len when all of s is valid)
// and stores the number of bytes decoded into *dec_len (dec_len may be
// NULL). Decoding goes by whole 4-byte groups and stops at the first group
// that is not valid base64, or after a group with '=' padding.
static inline int cs_base64_decode(const unsigned char *s, int len, char *dst,
                                   int *dec_len) {
  int n = mg_base64_decode(s, len, dst), out = n / 4 * 3;
  if (n >= 4 && s[n - 1] == '=') out--;
  if (n >= 4 && s[n - 2] == '=') out--;
  if (dec_len != NULL) *dec_len = out;
  return n;
}

// Wall-clock time in seconds, with sub-second precision.
static inline double cs_time(void) {
  return mg_time();
}

// a / b rounded down, for b > 0.
static inline long mg_compat_floor_div(long a, long b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

// Days from 1970-01-01 to the 1st of month mon (0..11) of year, in the
// proleptic Gregorian calendar. A year's leap day counts from March on;
// 477 leap days come before 1970.
static inline long mg_compat_days_to_month(long year, int mon) {
  static const short before[12] = {0,   31,  59,  90,  120, 151,
                                   181, 212, 243, 273, 304, 334};
  long y = mon < 2 ? year - 1 : year;
  long leaps = mg_compat_floor_div(y, 4) - mg_compat_floor_div(y, 100) +
               mg_compat_floor_div(y, 400) - 477;
  return (year - 1970) * 365 + before[mon] + leaps;
}

// timegm(): the broken-down UTC time tm as seconds since the Unix epoch.
// tm_mon may lie outside 0..11 and the other fields outside their ranges
// (they add up linearly). Returns -1 for a time before the epoch.
static inline double cs_timegm(const struct tm *tm) {
  long year = tm->tm_year + 1900L + tm->tm_mon / 12;
  int mon = tm->tm_mon % 12;
  double t;
  if (mon < 0) {
    mon += 12;
    year--;
  }
  t = (double) (mg_compat_days_to_month(year, mon) + tm->tm_mday - 1);
  t = ((t * 24 + tm->tm_hour) * 60 + tm->tm_min) * 60 + tm->tm_sec;
  return t < 0 ? -1 : t;
}

// snprintf() and vsnprintf() (C99: they return the length the whole output
// would have, and NUL-terminate whenever buf_size > 0).
#define c_snprintf snprintf
#define c_vsnprintf vsnprintf

// strnlen(): the length of s, at most maxlen.
static inline size_t c_strnlen(const char *s, size_t maxlen) {
  size_t n = 0;
  while (n < maxlen && s[n] != '\0') n++;
  return n;
}

// The first occurrence of the NUL-terminated find in the first slen bytes
// of s, or NULL. An empty find is found at s, unless slen is 0.
static inline const char *c_strnstr(const char *s, const char *find,
                                    size_t slen) {
  if (slen == 0) return NULL;
  return mg_strstr(mg_mk_str_n(s, slen), mg_mk_str(find));
}

// Writes len bytes of p as lowercase hex into to, NUL-terminated (2 * len
// + 1 bytes).
static inline void cs_to_hex(char *to, const unsigned char *p, size_t len) {
  static const char digits[] = "0123456789abcdef";
  size_t i;
  for (i = 0; i < len; i++) {
    *to++ = digits[p[i] >> 4];
    *to++ = digits[p[i] & 15];
  }
  *to = '\0';
}

// Decodes len hex digits of p into (len + 1) / 2 bytes at to, then a NUL.
// A non-hex digit counts as 0; an odd last digit is a high nibble.
static inline void cs_from_hex(char *to, const char *p, size_t len) {
  size_t i;
  for (i = 0; i < len; i += 2) {
    int hi = mg_hex_digit_value((unsigned char) p[i]);
    int lo = i + 1 < len ? mg_hex_digit_value((unsigned char) p[i + 1]) : 0;
    if (hi < 0) hi = 0;
    if (lo < 0) lo = 0;
    *to++ = (char) ((hi << 4) | lo);
  }
  *to = '\0';
}
