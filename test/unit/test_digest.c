// Unit tests for MD5 (src/md5.c), SHA-1 and HMAC-SHA1 (src/sha1.c), checked
// against the vectors published in RFC 1321, RFC 3174 and RFC 2202.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mongoose.h"

// Formats n digest bytes as lowercase hex into out (2 * n + 1 bytes).
static const char *to_hex(const unsigned char *d, size_t n, char *out) {
  size_t i;
  for (i = 0; i < n; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
  return out;
}

static const char *md5_hex(const void *data, size_t len, char out[33]) {
  struct mg_md5_ctx ctx;
  unsigned char d[16];
  mg_md5_init(&ctx);
  mg_md5_update(&ctx, (const unsigned char *) data, len);
  mg_md5_final(d, &ctx);
  return to_hex(d, sizeof(d), out);
}

static const char *sha1_hex(const void *data, size_t len, char out[41]) {
  struct mg_sha1_ctx ctx;
  unsigned char d[20];
  mg_sha1_init(&ctx);
  mg_sha1_update(&ctx, (const unsigned char *) data, len);
  mg_sha1_final(d, &ctx);
  return to_hex(d, sizeof(d), out);
}

// A deterministic message that is not all one byte value.
static void fill_pattern(unsigned char *p, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) p[i] = (unsigned char) ((i * 31 + 7) & 255);
}

static void test_md5_rfc1321_vectors(void **state) {
  static const char *const v[][2] = {
      {"", "d41d8cd98f00b204e9800998ecf8427e"},
      {"a", "0cc175b9c0f1b6a831c399e269772661"},
      {"abc", "900150983cd24fb0d6963f7d28e17f72"},
      {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
      {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
      {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
       "d174ab98d277d9f5a5611c2c9f419d9f"},
      {"1234567890123456789012345678901234567890123456789012345678901234567"
       "8901234567890",
       "57edf4a22be3c955ac49da2e2107b67a"},
  };
  char hex[33];
  size_t i;
  (void) state;
  for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    assert_string_equal(md5_hex(v[i][0], strlen(v[i][0]), hex), v[i][1]);
  }
}

// Lengths around the 56-byte padding limit and the 64-byte block size.
static const size_t boundary_lens[] = {55, 56, 63, 64, 65, 127, 128, 1000};

static void test_md5_padding_boundaries(void **state) {
  static const char *want[] = {
      "c9e512626618c9980ef21a96597af94c", "ecde7caa08e9f5657c863df107cac60a",
      "2f0301069e1c40af7f6c8f843b1b13f2", "b6bf87c24b1bc334e2541387a92b981b",
      "f168246f08b6134d66bd2a10343fa9f1", "27670172396247fa5f68637f13f8933d",
      "3e85b70ffc8df5c735ecf2a8f14f1bee", "2b1e78d5765de9e10495a01412a1cf22",
  };
  unsigned char msg[1000];
  char hex[33];
  size_t i;
  (void) state;
  fill_pattern(msg, sizeof(msg));
  for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    assert_string_equal(md5_hex(msg, boundary_lens[i], hex), want[i]);
  }
}

static void test_md5_byte_at_a_time_equals_one_shot(void **state) {
  unsigned char msg[1000], d[16];
  struct mg_md5_ctx ctx;
  char hex[33];
  size_t i;
  (void) state;
  fill_pattern(msg, sizeof(msg));
  mg_md5_init(&ctx);
  for (i = 0; i < sizeof(msg); i++) mg_md5_update(&ctx, msg + i, 1);
  mg_md5_update(&ctx, NULL, 0);  // Empty updates change nothing.
  mg_md5_final(d, &ctx);
  assert_string_equal(to_hex(d, 16, hex), "2b1e78d5765de9e10495a01412a1cf22");
}

static void test_md5_million_a(void **state) {
  unsigned char chunk[1000], d[16];
  struct mg_md5_ctx ctx;
  char hex[33];
  int i;
  (void) state;
  memset(chunk, 'a', sizeof(chunk));
  mg_md5_init(&ctx);
  for (i = 0; i < 1000; i++) mg_md5_update(&ctx, chunk, sizeof(chunk));
  mg_md5_final(d, &ctx);
  assert_string_equal(to_hex(d, 16, hex), "7707d6ae4e027c70eea2a935c2296f21");
}

static void test_hash_md5_v_hashes_the_concatenation(void **state) {
  const uint8_t *msgs[] = {(const uint8_t *) "hello", (const uint8_t *) "",
                           (const uint8_t *) " world"};
  size_t lens[] = {5, 0, 6};
  uint8_t d[16];
  char hex[33];
  (void) state;
  mg_hash_md5_v(3, msgs, lens, d);
  assert_string_equal(to_hex(d, 16, hex), "5eb63bbbe01eeed093cb22bb8f5acdc3");
  mg_hash_md5_v(0, msgs, lens, d);
  assert_string_equal(to_hex(d, 16, hex), "d41d8cd98f00b204e9800998ecf8427e");
}

static void test_sha1_rfc3174_vectors(void **state) {
  char hex[41], *rep = (char *) malloc(640 + 1);
  size_t i;
  (void) state;
  assert_string_equal(sha1_hex("abc", 3, hex),
                      "a9993e364706816aba3e25717850c26c9cd0d89d");
  assert_string_equal(
      sha1_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
               hex),
      "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  assert_non_null(rep);
  for (i = 0; i < 80; i++) memcpy(rep + 8 * i, "01234567", 8);
  assert_string_equal(sha1_hex(rep, 640, hex),
                      "dea356a2cddd90c7a7ecedc5ebb563934f460452");
  free(rep);
  assert_string_equal(sha1_hex("", 0, hex),
                      "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

static void test_sha1_million_a(void **state) {
  unsigned char chunk[1000], d[20];
  struct mg_sha1_ctx ctx;
  char hex[41];
  int i;
  (void) state;
  memset(chunk, 'a', sizeof(chunk));
  mg_sha1_init(&ctx);
  for (i = 0; i < 1000; i++) mg_sha1_update(&ctx, chunk, sizeof(chunk));
  mg_sha1_final(d, &ctx);
  assert_string_equal(to_hex(d, 20, hex),
                      "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

static void test_sha1_padding_boundaries(void **state) {
  static const char *want[] = {
      "749bbefb28edc4638b28b2b9a9e03ab9a4032b90",
      "a5b6e9c29d201c774753ff8e7fb64931656f5e63",
      "d1a454409359fc372b4d22b3cea6488d6ba1be00",
      "39a0d8b645ad85f1f976731ed112ac9455e28b78",
      "d0c96e18890114a14716e9686528d2e3fdba8d9e",
      "bebc42d2d3d1e5fb8ad8895c2dcef2d68a6c279a",
      "0060f2a7e34b6e4d459f560197ef93243732a400",
      "414475341017ec91703435a6f290324818f983e9",
  };
  unsigned char msg[1000];
  char hex[41];
  size_t i;
  (void) state;
  fill_pattern(msg, sizeof(msg));
  for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    assert_string_equal(sha1_hex(msg, boundary_lens[i], hex), want[i]);
  }
}

static void test_sha1_uneven_chunks_equal_one_shot(void **state) {
  unsigned char msg[1000], d[20];
  struct mg_sha1_ctx ctx;
  char hex[41];
  size_t off = 0, step = 1;
  (void) state;
  fill_pattern(msg, sizeof(msg));
  mg_sha1_init(&ctx);
  while (off < sizeof(msg)) {
    size_t n = step < sizeof(msg) - off ? step : sizeof(msg) - off;
    mg_sha1_update(&ctx, msg + off, n);
    off += n;
    step = step * 3 % 97 + 1;  // 1, 4, 13, 40, ...: crosses block edges.
  }
  mg_sha1_final(d, &ctx);
  assert_string_equal(to_hex(d, 20, hex),
                      "414475341017ec91703435a6f290324818f983e9");
}

static void test_hash_sha1_v_hashes_the_concatenation(void **state) {
  const uint8_t *msgs[] = {(const uint8_t *) "hello ",
                           (const uint8_t *) "world"};
  size_t lens[] = {6, 5};
  uint8_t d[20];
  char hex[41];
  (void) state;
  mg_hash_sha1_v(2, msgs, lens, d);
  assert_string_equal(to_hex(d, 20, hex),
                      "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed");
}

static void test_sha1_websocket_accept_key_rfc6455(void **state) {
  static const char key[] =
      "dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char d[20];
  char b64[29];
  struct mg_sha1_ctx ctx;
  (void) state;
  mg_sha1_init(&ctx);
  mg_sha1_update(&ctx, (const unsigned char *) key, sizeof(key) - 1);
  mg_sha1_final(d, &ctx);
  mg_base64_encode(d, 20, b64);
  assert_string_equal(b64, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

struct hmac_vector {
  unsigned char key[80];
  size_t key_len;
  const char *data;  // NULL: data_len bytes of data_byte
  unsigned char data_byte;
  size_t data_len;
  const char *want;
};

static void check_hmac(const struct hmac_vector *v) {
  unsigned char data[80], d[20];
  const unsigned char *p = (const unsigned char *) v->data;
  char hex[41];
  if (p == NULL) {
    memset(data, v->data_byte, v->data_len);
    p = data;
  }
  mg_hmac_sha1(v->key, v->key_len, p, v->data_len, d);
  assert_string_equal(to_hex(d, 20, hex), v->want);
}

static void test_hmac_sha1_rfc2202_vectors(void **state) {
  static const char *long1 =
      "Test Using Larger Than Block-Size Key - Hash Key First";
  static const char *long2 =
      "Test Using Larger Than Block-Size Key and Larger Than One Block-Size "
      "Data";
  struct hmac_vector v[7];
  size_t i;
  (void) state;
  memset(v, 0, sizeof(v));
  memset(v[0].key, 0x0b, v[0].key_len = 20);
  v[0].data = "Hi There";
  v[0].want = "b617318655057264e28bc0b6fb378c8ef146be00";
  memcpy(v[1].key, "Jefe", v[1].key_len = 4);
  v[1].data = "what do ya want for nothing?";
  v[1].want = "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79";
  memset(v[2].key, 0xaa, v[2].key_len = 20);
  v[2].data_byte = 0xdd, v[2].data_len = 50;
  v[2].want = "125d7342b9ac11cd91a39af48aa17b4f63f175d3";
  for (i = 0; i < 25; i++) v[3].key[i] = (unsigned char) (i + 1);
  v[3].key_len = 25, v[3].data_byte = 0xcd, v[3].data_len = 50;
  v[3].want = "4c9007f4026250c6bc8414f9bf50c86c2d7235da";
  memset(v[4].key, 0x0c, v[4].key_len = 20);
  v[4].data = "Test With Truncation";
  v[4].want = "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04";
  memset(v[5].key, 0xaa, v[5].key_len = 80);
  v[5].data = long1;
  v[5].want = "aa4ae5e15272d00e95705637ce8a3b55ed402112";
  memset(v[6].key, 0xaa, v[6].key_len = 80);
  v[6].data = long2;
  v[6].want = "e8e99d0f45237d786d6bbaa7965c7808bbff1a91";
  for (i = 0; i < 7; i++) {
    if (v[i].data != NULL) v[i].data_len = strlen(v[i].data);
    check_hmac(&v[i]);
  }
}

static void test_hmac_sha1_key_length_edges(void **state) {
  unsigned char key[65], d[20];
  char hex[41];
  (void) state;
  mg_hmac_sha1(NULL, 0, NULL, 0, d);  // Empty key and message.
  assert_string_equal(to_hex(d, 20, hex),
                      "fbdb1d1b18aa6c08324b7d64b71fb76370690e1d");
  memset(key, 'k', sizeof(key));
  mg_hmac_sha1(key, 64, (const unsigned char *) "x", 1, d);  // Block-sized.
  assert_string_equal(to_hex(d, 20, hex),
                      "2c31eadf68d9ba971ad29339d28ce725b03c11f6");
  mg_hmac_sha1(key, 65, (const unsigned char *) "x", 1, d);  // Hashed first.
  assert_string_equal(to_hex(d, 20, hex),
                      "7209aca75ec680871725fd309aa689746677dbd4");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_md5_rfc1321_vectors),
      cmocka_unit_test(test_md5_padding_boundaries),
      cmocka_unit_test(test_md5_byte_at_a_time_equals_one_shot),
      cmocka_unit_test(test_md5_million_a),
      cmocka_unit_test(test_hash_md5_v_hashes_the_concatenation),
      cmocka_unit_test(test_sha1_rfc3174_vectors),
      cmocka_unit_test(test_sha1_million_a),
      cmocka_unit_test(test_sha1_padding_boundaries),
      cmocka_unit_test(test_sha1_uneven_chunks_equal_one_shot),
      cmocka_unit_test(test_hash_sha1_v_hashes_the_concatenation),
      cmocka_unit_test(test_sha1_websocket_accept_key_rfc6455),
      cmocka_unit_test(test_hmac_sha1_rfc2202_vectors),
      cmocka_unit_test(test_hmac_sha1_key_length_edges),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
