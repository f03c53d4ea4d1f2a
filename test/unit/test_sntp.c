// Unit tests for src/sntp.c: the reply parser (every RFC 4330 check, the
// kiss-of-death and its code), NTP era handling around 2036 and the
// fraction. No sockets: packets are built here byte by byte.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mongoose.h"

// The hooks from src/sntp.c (not part of mongoose.h) and its results.
int mg_sntp_parse_reply(const void *buf, size_t len, uint64_t originate,
                        struct mg_sntp_message *msg, char *kiss_code);
double mg_sntp_ntp_to_unix(uint64_t ntp);
#define OK 0
#define MALFORMED (-1)
#define NOT_OURS (-2)
#define KOD 1

#define ORIG 0x0123456789abcdefULL  // Our request's transmit timestamp
// 2024-01-01 00:00:00 UTC (Unix 1704067200) in NTP seconds, plus a half.
#define T2024 ((uint64_t) 3913056000UL << 32 | 0x80000000UL)

static void put64(unsigned char *p, uint64_t v) {
  int i;
  for (i = 7; i >= 0; i--, v >>= 8) p[i] = (unsigned char) (v & 0xff);
}

// A server reply: LI, version, mode, stratum, our originate, receive and
// transmit timestamps; reference id "LOCL".
static void reply(unsigned char *p, int li, int vn, int mode, int stratum,
                  uint64_t orig, uint64_t xmit) {
  memset(p, 0, 48);
  p[0] = (unsigned char) (li << 6 | vn << 3 | mode);
  p[1] = (unsigned char) stratum;
  memcpy(p + 12, "LOCL", 4);
  put64(p + 24, orig);
  put64(p + 32, xmit);
  put64(p + 40, xmit);
}

static int parse(const unsigned char *p, size_t len, struct mg_sntp_message *m,
                 char *kiss) {
  return mg_sntp_parse_reply(p, len, ORIG, m, kiss);
}

static void test_sntp_good_reply_gives_transmit_time_with_fraction(void **s) {
  unsigned char p[48];
  struct mg_sntp_message m;
  char kiss[5] = "x";
  (void) s;
  reply(p, 0, 4, 4, 2, ORIG, T2024);
  assert_int_equal(parse(p, sizeof(p), &m, kiss), OK);
  assert_int_equal(m.kiss_of_death, 0);
  assert_true(m.time == 1704067200.5);
  assert_string_equal(kiss, "");
}

static void test_sntp_version_3_accepted_and_li_1_2_accepted(void **s) {
  unsigned char p[48];
  struct mg_sntp_message m;
  (void) s;
  reply(p, 0, 3, 4, 1, ORIG, T2024);
  assert_int_equal(parse(p, sizeof(p), &m, NULL), OK);
  reply(p, 1, 4, 4, 15, ORIG, T2024);  // Leap second pending: still good
  assert_int_equal(parse(p, sizeof(p), &m, NULL), OK);
  reply(p, 2, 4, 4, 3, ORIG, T2024);
  assert_int_equal(parse(p, sizeof(p), &m, NULL), OK);
}

static void test_sntp_longer_packet_with_mac_accepted(void **s) {
  unsigned char p[68];
  struct mg_sntp_message m;
  (void) s;
  memset(p, 0xee, sizeof(p));
  reply(p, 0, 4, 4, 2, ORIG, T2024);
  assert_int_equal(parse(p, sizeof(p), &m, NULL), OK);
  assert_true(m.time == 1704067200.5);
}

static void test_sntp_wrong_mode_is_malformed(void **s) {
  unsigned char p[48];
  struct mg_sntp_message m;
  int mode;
  (void) s;
  for (mode = 0; mode < 8; mode++) {
    if (mode == 4) continue;
    reply(p, 0, 4, mode, 2, ORIG, T2024);  // 3: our own request echoed,
    assert_int_equal(parse(p, sizeof(p), &m, NULL), MALFORMED);  // 5: bcast
  }
}

static void test_sntp_wrong_version_is_malformed(void **s) {
  unsigned char p[48];
  struct mg_sntp_message m;
  int vn;
  (void) s;
  for (vn = 0; vn < 8; vn++) {
    if (vn == 3 || vn == 4) continue;
    reply(p, 0, vn, 4, 2, ORIG, T2024);
    assert_int_equal(parse(p, sizeof(p), &m, NULL), MALFORMED);
  }
}

static void test_sntp_originate_mismatch_is_not_ours(void **s) {
  unsigned char p[48];
  struct mg_sntp_message m;
  (void) s;
  reply(p, 0, 4, 4, 2, ORIG ^ 1, T2024);
  assert_int_equal(parse(p, sizeof(p), &m, NULL), NOT_OURS);
  reply(p, 0, 4, 4, 2, 0, T2024);
  assert_int_equal(parse(p, sizeof(p), &m, NULL), NOT_OURS);
  // No request outstanding (originate 0): nothing is an answer.
  reply(p, 0, 4, 4, 2, 0, T2024);
  assert_int_equal(mg_sntp_parse_reply(p, sizeof(p), 0, &m, NULL), NOT_OURS);
  // A spoofed kiss-of-death is not ours either.
  reply(p, 0, 4, 4, 0, ORIG + 1, T2024);
  assert_int_equal(parse(p, sizeof(p), &m, NULL), NOT_OURS);
  assert_int_equal(m.kiss_of_death, 0);
}

static void test_sntp_zero_transmit_timestamp_is_malformed(void **s) {
  unsigned char p[48];
  struct mg_sntp_message m;
  (void) s;
  reply(p, 0, 4, 4, 2, ORIG, 0);
  assert_int_equal(parse(p, sizeof(p), &m, NULL), MALFORMED);
  // Only the fraction set: not zero.
  reply(p, 0, 4, 4, 2, ORIG, 1);
  assert_int_equal(parse(p, sizeof(p), &m, NULL), OK);
}

static void test_sntp_stratum_0_is_kiss_of_death_with_code(void **s) {
  unsigned char p[48];
  struct mg_sntp_message m;
  char kiss[5];
  (void) s;
  reply(p, 3, 4, 4, 0, ORIG, T2024);  // KoD packets often carry LI=3
  memcpy(p + 12, "RATE", 4);
  assert_int_equal(parse(p, sizeof(p), &m, kiss), KOD);
  assert_int_equal(m.kiss_of_death, 1);
  assert_true(m.time == 0);
  assert_string_equal(kiss, "RATE");
  memcpy(p + 12, "D\001N\377", 4);  // Not ASCII letters: shown as '?'
  assert_int_equal(parse(p, sizeof(p), &m, kiss), KOD);
  assert_string_equal(kiss, "D?N?");
}

static void test_sntp_unsynchronised_li_3_is_malformed(void **s) {
  unsigned char p[48];
  struct mg_sntp_message m;
  (void) s;
  reply(p, 3, 4, 4, 2, ORIG, T2024);
  assert_int_equal(parse(p, sizeof(p), &m, NULL), MALFORMED);
  reply(p, 0, 4, 4, 16, ORIG, T2024);  // NTPv4 "unsynchronised" stratum
  assert_int_equal(parse(p, sizeof(p), &m, NULL), MALFORMED);
  reply(p, 0, 4, 4, 255, ORIG, T2024);
  assert_int_equal(parse(p, sizeof(p), &m, NULL), MALFORMED);
}

static void test_sntp_short_packet_is_malformed(void **s) {
  unsigned char p[48];
  struct mg_sntp_message m;
  size_t n;
  (void) s;
  reply(p, 0, 4, 4, 2, ORIG, T2024);
  for (n = 0; n < 48; n++) {
    assert_int_equal(parse(p, n, &m, NULL), MALFORMED);
  }
  assert_int_equal(parse(p, 48, &m, NULL), OK);
}

static void test_sntp_era_0_ends_and_era_1_starts_in_2036(void **s) {
  (void) s;
  // 2036-02-07 06:28:15 UTC: the last second of era 0.
  assert_true(mg_sntp_ntp_to_unix((uint64_t) 0xffffffffUL << 32) ==
              2085978495.0);
  // NTP seconds 0 with the top bit clear: era 1, the next second.
  assert_true(mg_sntp_ntp_to_unix(0) == 2085978496.0);
  assert_true(mg_sntp_ntp_to_unix((uint64_t) 100 << 32) == 2085978596.0);
  // The end of era 1's half: 2104-01-19 (0x7fffffff seconds).
  assert_true(mg_sntp_ntp_to_unix((uint64_t) 0x7fffffffUL << 32) ==
              4233462143.0);
  // The start of era 0's half: 1968-01-20 (0x80000000 seconds).
  assert_true(mg_sntp_ntp_to_unix((uint64_t) 0x80000000UL << 32) ==
              -61505152.0);
  // 1970-01-01 is NTP 2208988800.
  assert_true(mg_sntp_ntp_to_unix((uint64_t) 2208988800UL << 32) == 0.0);
}

static void test_sntp_era_1_reply_parsed_past_2036(void **s) {
  unsigned char p[48];
  struct mg_sntp_message m;
  (void) s;
  reply(p, 0, 4, 4, 2, ORIG, (uint64_t) 3600 << 32 | 0x40000000UL);
  assert_int_equal(parse(p, sizeof(p), &m, NULL), OK);
  assert_true(m.time == 2085978496.0 + 3600 + 0.25);
  assert_true(m.time > 2085978495.0);  // After, not before, 1970 + 2^31
}

static void test_sntp_fraction_converted_to_seconds(void **s) {
  uint64_t base = (uint64_t) 2208988800UL << 32;  // 1970-01-01
  double d;
  (void) s;
  assert_true(mg_sntp_ntp_to_unix(base | 0x80000000UL) == 0.5);
  assert_true(mg_sntp_ntp_to_unix(base | 0x40000000UL) == 0.25);
  assert_true(mg_sntp_ntp_to_unix(base | 1) == 1.0 / 4294967296.0);
  assert_true(mg_sntp_ntp_to_unix(base | 0xffffffffUL) < 1.0);
  assert_true(mg_sntp_ntp_to_unix(base | 0xffffffffUL) > 0.9999999);
  // 2024 with 0.001 s: within the double's precision at that magnitude.
  d = mg_sntp_ntp_to_unix((uint64_t) 3913056000UL << 32 | 4294967UL);
  assert_true(d - 1704067200.001 < 1e-6 && 1704067200.001 - d < 1e-6);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sntp_good_reply_gives_transmit_time_with_fraction),
      cmocka_unit_test(test_sntp_version_3_accepted_and_li_1_2_accepted),
      cmocka_unit_test(test_sntp_longer_packet_with_mac_accepted),
      cmocka_unit_test(test_sntp_wrong_mode_is_malformed),
      cmocka_unit_test(test_sntp_wrong_version_is_malformed),
      cmocka_unit_test(test_sntp_originate_mismatch_is_not_ours),
      cmocka_unit_test(test_sntp_zero_transmit_timestamp_is_malformed),
      cmocka_unit_test(test_sntp_stratum_0_is_kiss_of_death_with_code),
      cmocka_unit_test(test_sntp_unsynchronised_li_3_is_malformed),
      cmocka_unit_test(test_sntp_short_packet_is_malformed),
      cmocka_unit_test(test_sntp_era_0_ends_and_era_1_starts_in_2036),
      cmocka_unit_test(test_sntp_era_1_reply_parsed_past_2036),
      cmocka_unit_test(test_sntp_fraction_converted_to_seconds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
