// MD5 (RFC 1321), for Digest authentication.
#pragma once
#include "arch.h"
#include "config.h"

struct mg_md5_ctx {
  uint32_t buf[4];
  uint32_t bits[2];
  unsigned char in[64];
};

void mg_md5_init(struct mg_md5_ctx *ctx);
void mg_md5_update(struct mg_md5_ctx *ctx, const unsigned char *data,
                   size_t len);
void mg_md5_final(unsigned char digest[16], struct mg_md5_ctx *ctx);

// MD5 over the concatenation of num_msgs buffers; digest gets 16 bytes.
void mg_hash_md5_v(size_t num_msgs, const uint8_t *msgs[],
                   const size_t *msg_lens, uint8_t *digest);
