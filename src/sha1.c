#include "sha1.h"

// SHA-1 as described in RFC 3174: 64-byte blocks, 80 steps, big-endian
// words and length.

static uint32_t sha1_rotl(uint32_t x, unsigned n) {
  return (x << n) | (x >> (32 - n));
}

// f(t; B, C, D) + K(t) of RFC 3174 section 5.
static uint32_t sha1_f_plus_k(int t, uint32_t b, uint32_t c, uint32_t d) {
  if (t < 20) return ((b & c) | (~b & d)) + 0x5a827999;
  if (t < 40) return (b ^ c ^ d) + 0x6ed9eba1;
  if (t < 60) return ((b & c) | (b & d) | (c & d)) + 0x8f1bbcdc;
  return (b ^ c ^ d) + 0xca62c1d6;
}

static void sha1_transform(uint32_t state[5], const unsigned char block[64]) {
  uint32_t w[80], a = state[0], b = state[1], c = state[2], d = state[3];
  uint32_t e = state[4], tmp;
  int t;
  for (t = 0; t < 16; t++) {
    w[t] = (uint32_t) block[4 * t] << 24 | (uint32_t) block[4 * t + 1] << 16 |
           (uint32_t) block[4 * t + 2] << 8 | (uint32_t) block[4 * t + 3];
  }
  for (t = 16; t < 80; t++) {
    w[t] = sha1_rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
  }
  for (t = 0; t < 80; t++) {
    tmp = sha1_rotl(a, 5) + sha1_f_plus_k(t, b, c, d) + e + w[t];
    e = d;
    d = c;
    c = sha1_rotl(b, 30);
    b = a;
    a = tmp;
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
}

void mg_sha1_init(struct mg_sha1_ctx *ctx) {
  ctx->state[0] = 0x67452301;
  ctx->state[1] = 0xefcdab89;
  ctx->state[2] = 0x98badcfe;
  ctx->state[3] = 0x10325476;
  ctx->state[4] = 0xc3d2e1f0;
  ctx->count[0] = ctx->count[1] = 0;
}

void mg_sha1_update(struct mg_sha1_ctx *ctx, const unsigned char *data,
                    size_t len) {
  size_t used = (ctx->count[0] >> 3) & 63, take;
  uint32_t lo = ctx->count[0] + (uint32_t) (len << 3);
  // count is a 64-bit message length in bits: [0] low word, [1] high word.
  if (lo < ctx->count[0]) ctx->count[1]++;
  ctx->count[0] = lo;
  ctx->count[1] += (uint32_t) ((uint64_t) len >> 29);
  while (len > 0) {
    take = 64 - used < len ? 64 - used : len;
    memcpy(ctx->buffer + used, data, take);
    used += take, data += take, len -= take;
    if (used == 64) {
      sha1_transform(ctx->state, ctx->buffer);
      used = 0;
    }
  }
}

void mg_sha1_final(unsigned char digest[20], struct mg_sha1_ctx *ctx) {
  static const unsigned char pad[64] = {0x80};
  unsigned char len_be[8];
  size_t used = (ctx->count[0] >> 3) & 63;
  int i;
  for (i = 0; i < 8; i++) {
    len_be[i] = (unsigned char) (ctx->count[1 - i / 4] >> (24 - 8 * (i % 4)));
  }
  // Pad with 0x80 and zeros to 56 mod 64, then the length in bits.
  mg_sha1_update(ctx, pad, used < 56 ? 56 - used : 120 - used);
  mg_sha1_update(ctx, len_be, 8);
  for (i = 0; i < 20; i++) {
    digest[i] = (unsigned char) (ctx->state[i / 4] >> (24 - 8 * (i % 4)));
  }
  memset(ctx, 0, sizeof(*ctx));  // Leave no message state behind.
}

void mg_hmac_sha1(const unsigned char *key, size_t key_len,
                  const unsigned char *data, size_t data_len,
                  unsigned char digest[20]) {
  unsigned char k[64], ipad[64], opad[64];
  struct mg_sha1_ctx ctx;
  size_t i;
  // RFC 2104: keys longer than the block size are hashed first, shorter
  // ones are zero-padded to the block size.
  memset(k, 0, sizeof(k));
  if (key_len > sizeof(k)) {
    mg_sha1_init(&ctx);
    mg_sha1_update(&ctx, key, key_len);
    mg_sha1_final(k, &ctx);
  } else if (key_len > 0) {
    memcpy(k, key, key_len);
  }
  for (i = 0; i < sizeof(k); i++) {
    ipad[i] = (unsigned char) (k[i] ^ 0x36);
    opad[i] = (unsigned char) (k[i] ^ 0x5c);
  }
  mg_sha1_init(&ctx);
  mg_sha1_update(&ctx, ipad, sizeof(ipad));
  mg_sha1_update(&ctx, data, data_len);
  mg_sha1_final(digest, &ctx);
  mg_sha1_init(&ctx);
  mg_sha1_update(&ctx, opad, sizeof(opad));
  mg_sha1_update(&ctx, digest, 20);
  mg_sha1_final(digest, &ctx);
}

void mg_hash_sha1_v(size_t num_msgs, const uint8_t *msgs[],
                    const size_t *msg_lens, uint8_t *digest) {
  struct mg_sha1_ctx ctx;
  size_t i;
  mg_sha1_init(&ctx);
  for (i = 0; i < num_msgs; i++) mg_sha1_update(&ctx, msgs[i], msg_lens[i]);
  mg_sha1_final(digest, &ctx);
}
