// Fuzzes the SNTP reply parser (src/sntp.c, mg_sntp_parse_reply) and the
// NTP-to-Unix conversion. The first 8 input bytes are the originate
// timestamp we expect; the rest is the reply. Bit 0 of the first byte also
// copies those 8 bytes into the reply's originate field (when it is long
// enough), so the checks behind the originate test are reached. Checks:
// the result is one of the four codes; a good reply satisfies every RFC
// 4330 rule and gives a time in 1968-2104 (the last fraction of 2104 may
// round up to the next second in a double); a kiss-of-death has stratum 0
// and a printable four-letter code.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mongoose.h"

// The hooks from src/sntp.c (not part of mongoose.h).
int mg_sntp_parse_reply(const void *buf, size_t len, uint64_t originate,
                        struct mg_sntp_message *msg, char *kiss_code);
double mg_sntp_ntp_to_unix(uint64_t ntp);

static uint64_t get64(const uint8_t *p) {
  uint64_t v = 0;
  int i;
  for (i = 0; i < 8; i++) v = v << 8 | p[i];
  return v;
}

static void check_good(const uint8_t *p, size_t n, uint64_t orig,
                       const struct mg_sntp_message *m) {
  int mode = p[0] & 7, vn = (p[0] >> 3) & 7, li = p[0] >> 6;
  if (n < 48 || mode != 4 || (vn != 3 && vn != 4) || li == 3) abort();
  if (p[1] == 0 || p[1] > 15 || get64(p + 24) != orig || orig == 0) abort();
  if (get64(p + 40) == 0 || m->kiss_of_death != 0) abort();
  if (m->time != mg_sntp_ntp_to_unix(get64(p + 40))) abort();
  if (!(m->time >= -61505152.0 && m->time <= 4233462144.0)) abort();
}

static void check_kod(const uint8_t *p, size_t n, uint64_t orig,
                      const struct mg_sntp_message *m, const char *kiss) {
  int i;
  if (n < 48 || p[1] != 0 || get64(p + 24) != orig) abort();
  if (m->kiss_of_death != 1 || m->time != 0 || strlen(kiss) != 4) abort();
  for (i = 0; i < 4; i++) {
    if (kiss[i] < 0x20 || kiss[i] > 0x7e) abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct mg_sntp_message m;
  char kiss[5];
  uint64_t orig;
  uint8_t *p;
  size_t n;
  int rc;
  if (size < 8) return 0;
  orig = get64(data);
  n = size - 8;
  // A copy of exactly n bytes: ASan sees any read past the reply.
  p = (uint8_t *) malloc(n > 0 ? n : 1);
  if (p == NULL) return 0;
  memcpy(p, data + 8, n);
  if ((data[0] & 1) && n >= 32) memcpy(p + 24, data, 8);
  rc = mg_sntp_parse_reply(p, n, orig, &m, kiss);
  if (rc == 0) check_good(p, n, orig, &m);
  if (rc == 1) check_kod(p, n, orig, &m, kiss);
  if (rc != 0 && rc != 1 && rc != -1 && rc != -2) abort();
  if (rc != 1 && kiss[0] != '\0') abort();
  free(p);
  (void) mg_sntp_ntp_to_unix(orig);
  return 0;
}
