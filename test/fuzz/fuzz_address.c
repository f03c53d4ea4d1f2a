// Fuzzes mg_parse_address with the input as a NUL-terminated string, and
// checks that what it returns is consistent with its result code.
#include "mongoose.h"

static void fuzz_check(int rc, const union socket_address *sa, const char *host,
                       size_t host_len, int proto) {
  int family = sa->sa.sa_family;
  if (rc < -1 || rc > 1) abort();
  if (rc >= 0 && proto != SOCK_STREAM && proto != SOCK_DGRAM) abort();
  if (rc == 0 &&
      (family != AF_INET || strlen(host) == 0 || strlen(host) >= host_len)) {
    abort();
  }
  if (rc == 1 && family != AF_INET && family != AF_INET6) abort();
  if (rc == -1 && family != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *str = (char *) malloc(size + 1);
  char host[MG_MAX_HOST_LEN], small[8];
  union socket_address sa;
  int proto = 0, rc;
  if (str == NULL) return 0;
  memcpy(str, data, size);
  str[size] = '\0';
  host[0] = '\0';
  rc = mg_parse_address(str, &sa, &proto, host, sizeof(host));
  fuzz_check(rc, &sa, host, sizeof(host), proto);
  // A small host buffer must be refused, never overrun.
  small[0] = '\0';
  rc = mg_parse_address(str, &sa, &proto, small, sizeof(small));
  fuzz_check(rc, &sa, small, sizeof(small), proto);
  free(str);
  return 0;
}
