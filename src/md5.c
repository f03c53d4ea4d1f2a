#include "md5.h"

// MD5 as described in RFC 1321: 64-byte blocks, four rounds of sixteen
// steps, little-endian words and length.

// T[i] = floor(2^32 * |sin(i + 1)|) (RFC 1321, section 3.4).
static const uint32_t md5_t[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a,
    0xa8304613, 0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
    0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340,
    0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8,
    0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
    0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
    0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92,
    0xffeff47d, 0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
    0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

// Left-rotation amounts: four per round, repeated four times.
static const unsigned char md5_shift[4][4] = {
    {7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};

static uint32_t md5_rotl(uint32_t x, unsigned n) {
  return (x << n) | (x >> (32 - n));
}

// The round function F, G, H or I of step i, and the message word it uses.
static uint32_t md5_round_fn(int i, uint32_t b, uint32_t c, uint32_t d,
                             int *word) {
  switch (i / 16) {
    case 0:
      *word = i;
      return (b & c) | (~b & d);
    case 1:
      *word = (5 * i + 1) % 16;
      return (b & d) | (c & ~d);
    case 2:
      *word = (3 * i + 5) % 16;
      return b ^ c ^ d;
    default:
      *word = (7 * i) % 16;
      return c ^ (b | ~d);
  }
}

static void md5_transform(uint32_t state[4], const unsigned char block[64]) {
  uint32_t m[16], a = state[0], b = state[1], c = state[2], d = state[3], f;
  int i, w;
  for (i = 0; i < 16; i++) {
    m[i] = (uint32_t) block[4 * i] | (uint32_t) block[4 * i + 1] << 8 |
           (uint32_t) block[4 * i + 2] << 16 |
           (uint32_t) block[4 * i + 3] << 24;
  }
  for (i = 0; i < 64; i++) {
    f = md5_round_fn(i, b, c, d, &w) + a + md5_t[i] + m[w];
    a = d;
    d = c;
    c = b;
    b += md5_rotl(f, md5_shift[i / 16][i % 4]);
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
}

void mg_md5_init(struct mg_md5_ctx *ctx) {
  ctx->buf[0] = 0x67452301;
  ctx->buf[1] = 0xefcdab89;
  ctx->buf[2] = 0x98badcfe;
  ctx->buf[3] = 0x10325476;
  ctx->bits[0] = ctx->bits[1] = 0;
}

void mg_md5_update(struct mg_md5_ctx *ctx, const unsigned char *data,
                   size_t len) {
  size_t used = (ctx->bits[0] >> 3) & 63, take;
  uint32_t lo = ctx->bits[0] + (uint32_t) (len << 3);
  // The message length is a 64-bit bit count split over two words.
  if (lo < ctx->bits[0]) ctx->bits[1]++;
  ctx->bits[0] = lo;
  ctx->bits[1] += (uint32_t) ((uint64_t) len >> 29);
  while (len > 0) {
    take = 64 - used < len ? 64 - used : len;
    memcpy(ctx->in + used, data, take);
    used += take, data += take, len -= take;
    if (used == 64) {
      md5_transform(ctx->buf, ctx->in);
      used = 0;
    }
  }
}

void mg_md5_final(unsigned char digest[16], struct mg_md5_ctx *ctx) {
  static const unsigned char pad[64] = {0x80};
  unsigned char len_le[8];
  size_t used = (ctx->bits[0] >> 3) & 63;
  int i;
  for (i = 0; i < 8; i++) {
    len_le[i] = (unsigned char) (ctx->bits[i / 4] >> (8 * (i % 4)));
  }
  // Pad with 0x80 and zeros to 56 mod 64, then the length in bits.
  mg_md5_update(ctx, pad, used < 56 ? 56 - used : 120 - used);
  mg_md5_update(ctx, len_le, 8);
  for (i = 0; i < 16; i++) {
    digest[i] = (unsigned char) (ctx->buf[i / 4] >> (8 * (i % 4)));
  }
  memset(ctx, 0, sizeof(*ctx));  // Leave no message state behind.
}

void mg_hash_md5_v(size_t num_msgs, const uint8_t *msgs[],
                   const size_t *msg_lens, uint8_t *digest) {
  struct mg_md5_ctx ctx;
  size_t i;
  mg_md5_init(&ctx);
  for (i = 0; i < num_msgs; i++) mg_md5_update(&ctx, msgs[i], msg_lens[i]);
  mg_md5_final(digest, &ctx);
}
