// Fuzzes the resolver's pure parsers (src/resolv.c).
//   1  The whole input is resolv.conf text for mg_resolv_parse_conf(), into
//      MG_RESOLV_MAX_NAMESERVERS entries, then 1 and 0 entries. Checks: the
//      count is within [0, max], nothing is written past out[max - 1],
//      every address is AF_INET (or AF_INET6) with port 53, a smaller max
//      gives the same leading addresses, and the count matches a separate
//      count of the "nameserver <literal>" lines done here.
//   2  The first line is a host name, the rest hosts-file text for
//      mg_resolv_parse_hosts(), for AF_INET, AF_INET6 and either. Checks: a
//      hit has the family asked for and port 0, the either-family answer
//      is one of the two, and a miss leaves *usa untouched.
//   3  The first line is a nameserver list for mg_resolve_async_opt() (the
//      static nameserver parser), for a name that a hosts file written here
//      (/tmp/fuzz_resolv_hosts.PID, removed at exit) answers, so no packet
//      is ever sent; A or AAAA by the last byte's low bit. Then, with
//      only_literal, the first line as the name to resolve. Checks: the
//      answer is the hosts entry or the literal.
#include <stdlib.h>
#include <string.h>

#include "mongoose.h"

#define FZ_MAX MG_RESOLV_MAX_NAMESERVERS
#define FZ_NAME "fuzz-resolv.invalid"

static char s_hosts_path[64];
static int s_hosts_ok = -1;  // -1: not tried yet, 0: no file, 1: ready

static int fz_same(const union socket_address *a,
                   const union socket_address *b) {
  return memcmp(a, b, sizeof(*a)) == 0;
}

static int fz_family_ok(int family) {
  return family == AF_INET || (MG_ENABLE_IPV6 && family == AF_INET6);
}

// Returns the port of sa (network order converted).
static unsigned fz_port(const union socket_address *sa) {
  return ntohs(sa->sa.sa_family == AF_INET6 ? sa->sin6.sin6_port
                                            : sa->sin.sin_port);
}

// 1 if the n bytes at p are a literal the parsers take: IPv4 / IPv6 (with
// MG_ENABLE_IPV6) text, a "%scope" cut off; a NUL byte makes it no literal.
static int fz_is_literal(const char *p, size_t n, int family) {
  char s[64], *pct;
  unsigned char tmp[16];
  if (n == 0 || n >= sizeof(s) || memchr(p, '\0', n) != NULL) return 0;
  memcpy(s, p, n);
  s[n] = '\0';
  if ((pct = strchr(s, '%')) != NULL) *pct = '\0';
  if (family != AF_INET6 && inet_pton(AF_INET, s, tmp) == 1) return 1;
  if (MG_ENABLE_IPV6 && family != AF_INET && inet_pton(AF_INET6, s, tmp) == 1) {
    return 1;
  }
  return 0;
}

static int fz_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
         c == '\f';
}

// Counts the lines "nameserver <literal>" of buf, written independently of
// the parser: a line ends at '\n', a comment starts at '#' or ';'.
static int fz_count_conf(const char *buf, size_t len) {
  size_t i = 0, end, a, b;
  int n = 0;
  while (i < len) {
    size_t start = i;
    while (i < len && buf[i] != '\n') i++;
    end = start;
    while (end < i && buf[end] != '#' && buf[end] != ';') end++;
    i++;  // Past the '\n' (or the end)
    for (a = start; a < end && fz_space(buf[a]); a++) {
    }
    for (b = a; b < end && !fz_space(buf[b]); b++) {
    }
    if (b - a != 10 || memcmp(buf + a, "nameserver", 10) != 0) continue;
    for (a = b; a < end && fz_space(buf[a]); a++) {
    }
    for (b = a; b < end && !fz_space(buf[b]); b++) {
    }
    n += fz_is_literal(buf + a, b - a, 0);
  }
  return n;
}

static void fz_conf(const char *buf, size_t len) {
  union socket_address out[FZ_MAX + 1], one[2], guard;
  int n, n1, i, want = fz_count_conf(buf, len);
  memset(&guard, 0xA5, sizeof(guard));
  for (i = 0; i <= FZ_MAX; i++) out[i] = guard;
  n = mg_resolv_parse_conf(buf, len, out, FZ_MAX);
  if (n < 0 || n > FZ_MAX) abort();
  if (n != (want < FZ_MAX ? want : FZ_MAX)) abort();
  if (!fz_same(&out[FZ_MAX], &guard)) abort();
  for (i = 0; i < n; i++) {
    if (!fz_family_ok(out[i].sa.sa_family) || fz_port(&out[i]) != 53) abort();
  }
  one[0] = one[1] = guard;
  n1 = mg_resolv_parse_conf(buf, len, one, 1);
  if (n1 != (n > 0 ? 1 : 0) || !fz_same(&one[1], &guard)) abort();
  if (n1 == 1 && !fz_same(&one[0], &out[0])) abort();
  // out[0..max) is scratch space (a rejected line may clear out[n]), but
  // max 0 allows no write at all.
  one[0] = guard;
  if (mg_resolv_parse_conf(buf, len, one, 0) != 0) abort();
  if (!fz_same(&one[0], &guard)) abort();
}

static void fz_hosts(const char *host, const char *buf, size_t len) {
  union socket_address v4, v6, any, guard;
  int r4, r6, ra;
  memset(&guard, 0xA5, sizeof(guard));
  v4 = v6 = any = guard;
  r4 = mg_resolv_parse_hosts(buf, len, host, AF_INET, &v4);
  r6 = mg_resolv_parse_hosts(buf, len, host, AF_INET6, &v6);
  ra = mg_resolv_parse_hosts(buf, len, host, 0, &any);
  if (r4 != 0 && r4 != -1) abort();
  if (r6 != 0 && r6 != -1) abort();
  if (ra != 0 && ra != -1) abort();
  if (r4 == 0 && (v4.sa.sa_family != AF_INET || fz_port(&v4) != 0)) abort();
  if (r6 == 0 && (v6.sa.sa_family != AF_INET6 || fz_port(&v6) != 0)) abort();
  if (r6 == 0 && !MG_ENABLE_IPV6) abort();
  if (r4 == -1 && !fz_same(&v4, &guard)) abort();
  if (r6 == -1 && !fz_same(&v6, &guard)) abort();
  if (ra == -1 && !fz_same(&any, &guard)) abort();
  // Either family: found exactly when one of them is, and it is one of them.
  if ((ra == 0) != (r4 == 0 || r6 == 0)) abort();
  if (ra == 0 && !(r4 == 0 && fz_same(&any, &v4)) &&
      !(r6 == 0 && fz_same(&any, &v6))) {
    abort();
  }
}

static void fz_remove_hosts(void) {
  remove(s_hosts_path);
}

static void fz_write_hosts(void) {
  FILE *fp;
  union socket_address sa;
  snprintf(s_hosts_path, sizeof(s_hosts_path), "/tmp/fuzz_resolv_hosts.%d",
           (int) getpid());
  s_hosts_ok = 0;
  mg_log_set_level(MG_LL_NONE);  // Bad nameservers are logged, by design
  if ((fp = fopen(s_hosts_path, "wb")) == NULL) return;
  fprintf(fp, "192.0.2.1 %s\n2001:db8::1 %s\n", FZ_NAME, FZ_NAME);
  fclose(fp);
  atexit(fz_remove_hosts);
  mg_resolv_hosts_file = s_hosts_path;
  s_hosts_ok = mg_resolve_from_hosts_file(FZ_NAME, &sa) == 0;
}

struct fz_result {
  int calls, err, num_answers;
  unsigned char addr[16];
  size_t addr_len;
};

static void fz_cb(struct mg_dns_message *msg, void *data,
                  enum mg_resolve_err err) {
  struct fz_result *r = (struct fz_result *) data;
  r->calls++;
  r->err = (int) err;
  if (msg != NULL && msg->num_answers > 0) {
    struct mg_str d = msg->answers[0].rdata;
    r->num_answers = msg->num_answers;
    r->addr_len = d.len <= sizeof(r->addr) ? d.len : sizeof(r->addr);
    memcpy(r->addr, d.p, r->addr_len);
  }
}

// Polls mgr until its connections are gone (a few rounds at most).
static void fz_drain(struct mg_mgr *mgr) {
  int i;
  for (i = 0; i < 4 && mgr->active_connections != NULL; i++) {
    mg_mgr_poll(mgr, 0);
  }
}

static void fz_async(const char *line, int aaaa) {
  struct mg_mgr mgr;
  struct mg_resolve_async_opts opts;
  struct fz_result r;
  int q = aaaa ? MG_DNS_AAAA_RECORD : MG_DNS_A_RECORD, rc;
  size_t n = strlen(line);
  if (s_hosts_ok < 0) fz_write_hosts();
  mg_mgr_init(&mgr, NULL);
  // The nameserver list, never asked: the hosts file answers first.
  if (s_hosts_ok == 1 && (!aaaa || MG_ENABLE_IPV6)) {
    memset(&opts, 0, sizeof(opts));
    memset(&r, 0, sizeof(r));
    opts.nameserver = line;
    if (mg_resolve_async_opt(&mgr, FZ_NAME, q, fz_cb, &r, opts) != 0) abort();
    fz_drain(&mgr);
    if (r.calls != 1 || r.err != MG_RESOLVE_OK || r.num_answers != 1 ||
        r.addr_len != (aaaa ? 16u : 4u) ||
        memcmp(r.addr, aaaa ? "\x20\x01\x0d\xb8" : "\xc0\0\2\1", 4) != 0) {
      abort();
    }
  }
  // The line as a name: only a literal of the type asked is answered.
  memset(&opts, 0, sizeof(opts));
  memset(&r, 0, sizeof(r));
  opts.only_literal = 1;
  rc = mg_resolve_async_opt(&mgr, line, q, fz_cb, &r, opts);
  fz_drain(&mgr);
  if (rc == 0) {
    if (n > 0 && line[n - 1] == '.') n--;
    if (!fz_is_literal(line, n, aaaa ? AF_INET6 : AF_INET)) abort();
    if (r.calls != 1 || r.err != MG_RESOLVE_OK || r.num_answers != 1 ||
        r.addr_len != (aaaa ? 16u : 4u)) {
      abort();
    }
  } else if (r.calls != 0) {
    abort();
  }
  mg_mgr_free(&mgr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *copy = (char *) malloc(size > 0 ? size : 1);
  const char *nl;
  size_t first;
  if (copy == NULL) return 0;
  // An exact-size heap copy: ASan sees any read past the input.
  memcpy(copy, data, size);
  fz_conf(copy, size);
  nl = (const char *) memchr(copy, '\n', size);
  first = nl != NULL ? (size_t) (nl - copy) : size;
  {
    size_t rest_len = nl != NULL ? size - first - 1 : 0;
    char *host = (char *) malloc(first + 1);
    char *rest = (char *) malloc(rest_len > 0 ? rest_len : 1);
    if (host != NULL && rest != NULL) {
      memcpy(host, copy, first);
      host[first] = '\0';
      memcpy(rest, copy + size - rest_len, rest_len);
      fz_hosts(host, rest, rest_len);
      fz_async(host, size > 0 && (data[size - 1] & 1));
    }
    free(host);
    free(rest);
  }
  free(copy);
  return 0;
}
