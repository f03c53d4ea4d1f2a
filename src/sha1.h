// SHA-1 (RFC 3174), for the WebSocket handshake, and HMAC-SHA1.
#pragma once
#include "arch.h"
#include "config.h"

struct mg_sha1_ctx {
  uint32_t state[5];
  uint32_t count[2];
  unsigned char buffer[64];
};

void mg_sha1_init(struct mg_sha1_ctx *ctx);
void mg_sha1_update(struct mg_sha1_ctx *ctx, const unsigned char *data,
                    size_t len);
void mg_sha1_final(unsigned char digest[20], struct mg_sha1_ctx *ctx);
// HMAC-SHA1 (RFC 2104) of data with key; digest gets 20 bytes.
void mg_hmac_sha1(const unsigned char *key, size_t key_len,
                  const unsigned char *data, size_t data_len,
                  unsigned char digest[20]);

// SHA-1 over the concatenation of num_msgs buffers; digest gets 20 bytes.
void mg_hash_sha1_v(size_t num_msgs, const uint8_t *msgs[],
                    const size_t *msg_lens, uint8_t *digest);
