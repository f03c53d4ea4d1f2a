// The asynchronous resolver: hosts file, a per-manager cache, then the
// nameservers over UDP (TCP after a truncated reply), driven by the poll
// loop. Each query is a socketless "owner" connection that holds its state
// and its timer, plus at most one connection to the nameserver it is
// asking; closing the owner cancels the query.
#include "dns_internal.h"
#include "resolv.h"
#include "uri.h"

#if MG_ENABLE_ASYNC_RESOLVER

#define RESOLV_MAX_ADDRS 4            // Addresses kept per answer and entry
#define RESOLV_MAX_FILE (1 << 16)     // Bytes of hosts / resolv.conf read
#define RESOLV_TCP_LIMIT (2 + 65535)  // A length prefix and one message
#define RESOLV_RCODE_SERVFAIL 2
#define RESOLV_RCODE_NXDOMAIN 3
#define RESOLV_RCODE_REFUSED 5

const char *mg_resolv_hosts_file = MG_HOSTS_FILE;
const char *mg_resolv_conf_file = MG_RESOLV_CONF;

// Addresses of one type (A: 4 bytes each, AAAA: 16) and their lifetime.
struct resolv_addrs {
  int qtype;     // MG_DNS_A_RECORD or MG_DNS_AAAA_RECORD
  int num;       // Entries of addr in use
  uint32_t ttl;  // Seconds (the smallest of the records)
  unsigned char addr[RESOLV_MAX_ADDRS][16];
};

struct resolv_cache_entry {
  char name[MG_MAX_HOST_LEN];  // Lower case; "" if the entry is free
  double expires;              // mg_time() when it goes stale
  struct resolv_addrs addrs;
};

// The manager's resolver state (mgr->resolver): flat, freed by the core.
struct resolv_state {
  char nameserver[MG_MAX_HOST_LEN];  // From mg_set_nameserver()
  struct resolv_cache_entry
      cache[MG_RESOLV_CACHE_SIZE > 0 ? MG_RESOLV_CACHE_SIZE : 1];
};

// One pending query: a fixed size, whatever the name or the replies.
struct resolv_query {
  struct mg_mgr *mgr;
  struct mg_connection *owner;    // Socketless: holds q, runs the timer
  struct mg_connection *ns_conn;  // To the nameserver being asked, or NULL
  struct mg_connection *target;   // mg_connect()'s connection, or NULL
                                  // (also once that connection is freed)
  int for_connect;                // Started by mg_resolve_and_connect()
  mg_resolve_callback_t cb;       // Or the target's connect
  void *cb_data;
  char name[MG_MAX_HOST_LEN];  // As given, without a trailing dot
  int qtype;                   // What is asked now
  int tcp;                     // Asking over TCP
  uint16_t txid;               // Random, per nameserver
  union socket_address ns[MG_RESOLV_MAX_NAMESERVERS];
  unsigned char ns_tcp[MG_RESOLV_MAX_NAMESERVERS];  // tcp:// given
  int num_ns, ns_index;          // Nameservers, and the one being asked
  int sends;                     // Queries sent to it
  int max_retries, timeout;      // Resends per nameserver, seconds per send
  int silent, servfail, failed;  // Nameservers that ended each way
  int local;                     // addrs came from hosts / cache / a literal
  int done;                      // The result was delivered
  struct resolv_addrs addrs;     // The answer
};

// ---- Pure parts: files, nameserver strings --------------------------------

// Splits buf[0..len) into lines: returns the next line after *pos (comments
// from '#' or ';' cut), or an empty mg_str with p NULL at the end.
static struct mg_str resolv_line(const char *buf, size_t len, size_t *pos) {
  struct mg_str line = {NULL, 0};
  size_t i = *pos, start = *pos, end;
  if (i >= len) return line;
  while (i < len && buf[i] != '\n') i++;
  *pos = i < len ? i + 1 : i;
  for (end = start; end < i && buf[end] != '#' && buf[end] != ';'; end++) {
  }
  line.p = buf + start;
  line.len = end - start;
  return line;
}

// Returns the next whitespace-separated token of *s (consumed), or len 0.
static struct mg_str resolv_token(struct mg_str *s) {
  struct mg_str t;
  while (s->len > 0 && isspace((unsigned char) s->p[0])) s->p++, s->len--;
  t.p = s->p;
  t.len = 0;
  while (t.len < s->len && !isspace((unsigned char) t.p[t.len])) t.len++;
  s->p += t.len;
  s->len -= t.len;
  return t;
}

// Parses the literal address tok (IPv6 maybe with a %scope, cut) into sa
// with port. family 0 accepts either. Returns 0, or -1 if it is not one (a
// NUL byte inside would make inet_pton() see only a prefix of tok).
static int resolv_literal(struct mg_str tok, int family, uint16_t port,
                          union socket_address *sa) {
  char s[64];
  size_t n = tok.len;
  if (n == 0 || n >= sizeof(s) || memchr(tok.p, '\0', n) != NULL) return -1;
  memcpy(s, tok.p, n);
  s[n] = '\0';
  if (strchr(s, '%') != NULL) *strchr(s, '%') = '\0';
  memset(sa, 0, sizeof(*sa));
  if (family != AF_INET6 && inet_pton(AF_INET, s, &sa->sin.sin_addr) == 1) {
    sa->sin.sin_family = AF_INET;
    sa->sin.sin_port = htons(port);
    return 0;
  }
#if MG_ENABLE_IPV6
  if (family != AF_INET && inet_pton(AF_INET6, s, &sa->sin6.sin6_addr) == 1) {
    sa->sin6.sin6_family = AF_INET6;
    sa->sin6.sin6_port = htons(port);
    return 0;
  }
#endif
  memset(sa, 0, sizeof(*sa));
  return -1;
}

int mg_resolv_parse_conf(const char *buf, size_t len, union socket_address *out,
                         int max) {
  size_t pos = 0;
  int n = 0;
  struct mg_str line, tok;
  while (n < max && (line = resolv_line(buf, len, &pos)).p != NULL) {
    tok = resolv_token(&line);
    if (mg_vcmp(&tok, "nameserver") != 0) continue;
    if (resolv_literal(resolv_token(&line), 0, 53, &out[n]) == 0) n++;
  }
  return n;
}

int mg_resolv_parse_hosts(const char *buf, size_t len, const char *host,
                          int family, union socket_address *usa) {
  size_t pos = 0;
  struct mg_str line, tok, want = mg_mk_str(host);
  union socket_address sa;
  if (want.len > 0 && want.p[want.len - 1] == '.') want.len--;
  while ((line = resolv_line(buf, len, &pos)).p != NULL) {
    if (resolv_literal(resolv_token(&line), family, 0, &sa) != 0) continue;
    while ((tok = resolv_token(&line)).len > 0) {
      if (mg_strcasecmp(tok, want) == 0) {
        *usa = sa;
        return 0;
      }
    }
  }
  return -1;
}

// Reads at most RESOLV_MAX_FILE bytes of path into a new buffer (free it
// with MG_FREE). Returns NULL if it cannot be read.
static char *resolv_read_file(const char *path, size_t *len) {
  FILE *fp = path != NULL ? fopen(path, "rb") : NULL;
  char *buf;
  if (fp == NULL) return NULL;
  if ((buf = (char *) MG_MALLOC(RESOLV_MAX_FILE)) != NULL) {
    *len = fread(buf, 1, RESOLV_MAX_FILE, fp);
  }
  fclose(fp);
  return buf;
}

static int resolv_hosts_lookup(const char *host, int family,
                               union socket_address *usa) {
  size_t len = 0;
  char *buf = resolv_read_file(mg_resolv_hosts_file, &len);
  int rc =
      buf == NULL ? -1 : mg_resolv_parse_hosts(buf, len, host, family, usa);
  MG_FREE(buf);
  return rc;
}

int mg_resolve_from_hosts_file(const char *host, union socket_address *usa) {
  return host == NULL || usa == NULL ? -1 : resolv_hosts_lookup(host, 0, usa);
}

// Parses a nameserver: "udp://a:p", "tcp://a:p", "a:p", "[v6]:p" or a bare
// address (port 53). Returns 0 with *sa and *tcp, or -1.
static int resolv_parse_ns(const char *s, union socket_address *sa, int *tcp) {
  char host[MG_MAX_HOST_LEN];
  const char *bare = s;
  int proto;
  *tcp = strncmp(s, "tcp://", 6) == 0;
  if (mg_parse_address(s, sa, &proto, host, sizeof(host)) == 1 &&
      sa->sin.sin_port != 0) {
    return 0;
  }
  if (strncmp(s, "udp://", 6) == 0 || *tcp) bare = s + 6;
  return resolv_literal(mg_mk_str(bare), 0, 53, sa);
}

// ---- The per-manager state and its cache ----------------------------------

static struct resolv_state *resolv_state(struct mg_mgr *mgr) {
  if (mgr->resolver == NULL) {
    mgr->resolver = MG_CALLOC(1, sizeof(struct resolv_state));
  }
  return (struct resolv_state *) mgr->resolver;
}

static void resolv_lower(char *dst, const char *src) {
  size_t i;
  for (i = 0; src[i] != '\0' && i + 1 < MG_MAX_HOST_LEN; i++) {
    dst[i] = (char) tolower((unsigned char) src[i]);
  }
  dst[i] = '\0';
}

// Finds name's fresh entry of type qtype (or with insert, the slot to
// reuse: a free or stale one, else the one that expires first).
static struct resolv_cache_entry *resolv_cache_find(struct mg_mgr *mgr,
                                                    const char *name, int qtype,
                                                    int insert) {
  struct resolv_state *st = resolv_state(mgr);
  struct resolv_cache_entry *e, *victim = NULL;
  char key[MG_MAX_HOST_LEN];
  double now = mg_time();
  int i;
  if (st == NULL || MG_RESOLV_CACHE_SIZE == 0) return NULL;
  resolv_lower(key, name);
  for (i = 0; i < MG_RESOLV_CACHE_SIZE; i++) {
    e = &st->cache[i];
    if (e->name[0] != '\0' && e->addrs.qtype == qtype &&
        strcmp(e->name, key) == 0 && (e->expires > now || insert)) {
      return e;
    }
    if (victim == NULL || e->name[0] == '\0' || e->expires < victim->expires) {
      if (victim == NULL || victim->name[0] != '\0') victim = e;
    }
  }
  if (!insert) return NULL;
  memcpy(victim->name, key, sizeof(key));
  return victim;
}

static void resolv_cache_put(struct mg_mgr *mgr, const char *name,
                             const struct resolv_addrs *a) {
  struct resolv_cache_entry *e;
  uint32_t ttl = a->ttl;
  if (ttl == 0 || a->num == 0) return;  // TTL 0: not to be cached
  if (ttl > MG_RESOLV_CACHE_MAX_TTL) ttl = MG_RESOLV_CACHE_MAX_TTL;
  if ((e = resolv_cache_find(mgr, name, a->qtype, 1)) == NULL) return;
  e->addrs = *a;
  e->expires = mg_time() + ttl;
}

// Copies a fresh cache entry for name into *a (the TTL what remains).
static int resolv_cache_get(struct mg_mgr *mgr, const char *name, int qtype,
                            struct resolv_addrs *a) {
  struct resolv_cache_entry *e = resolv_cache_find(mgr, name, qtype, 0);
  if (e == NULL) return 0;
  *a = e->addrs;
  a->ttl = (uint32_t) (e->expires - mg_time());
  return 1;
}

void mg_set_nameserver(struct mg_mgr *mgr, const char *nameserver) {
  struct resolv_state *st = resolv_state(mgr);
  if (nameserver == NULL || st == NULL) {
    mgr->nameserver = NULL;
    return;
  }
  snprintf(st->nameserver, sizeof(st->nameserver), "%s", nameserver);
  mgr->nameserver = st->nameserver;
}

// ---- Replies --------------------------------------------------------------

// Returns 1 if the answer's owner name rr is name (case-insensitive).
static int resolv_name_is(struct mg_dns_message *msg, struct mg_str *rr,
                          const char *name) {
  char buf[MG_MAX_HOST_LEN];
  mg_dns_uncompress_name(msg, rr, buf, sizeof(buf));
  return mg_casecmp(buf, name) == 0;
}

// Returns 1 if msg is the reply to q's question: id, QR, and the one
// question being q's name, type and class.
static int resolv_is_reply(struct resolv_query *q, struct mg_dns_message *msg) {
  struct mg_dns_resource_record *qr = &msg->questions[0];
  return msg->transaction_id == q->txid && (msg->flags & MG_DNS_FLAG_QR) &&
         msg->num_questions == 1 && qr->rtype == q->qtype && qr->rclass == 1 &&
         resolv_name_is(msg, &qr->name, q->name);
}

// Collects into *a the records of type qtype for name, following CNAMEs
// (at most MG_RESOLV_MAX_CNAMES) inside msg's answers. Returns a->num.
static int resolv_collect(struct mg_dns_message *msg, const char *name,
                          int qtype, struct resolv_addrs *a) {
  char cur[MG_MAX_HOST_LEN];
  int i, hops, size = qtype == MG_DNS_A_RECORD ? 4 : 16;
  snprintf(cur, sizeof(cur), "%s", name);
  memset(a, 0, sizeof(*a));
  a->qtype = qtype;
  a->ttl = ~(uint32_t) 0;
  for (hops = 0; hops <= MG_RESOLV_MAX_CNAMES && a->num == 0; hops++) {
    struct mg_dns_resource_record *cname = NULL;
    for (i = 0; i < msg->num_answers; i++) {
      struct mg_dns_resource_record *rr = &msg->answers[i];
      if (rr->rclass != 1 || !resolv_name_is(msg, &rr->name, cur)) continue;
      if (rr->rtype == qtype && a->num < RESOLV_MAX_ADDRS &&
          mg_dns_parse_record_data(msg, rr, a->addr[a->num], size) == 0) {
        a->num++;
        if ((uint32_t) rr->ttl < a->ttl) a->ttl = (uint32_t) rr->ttl;
      } else if (rr->rtype == MG_DNS_CNAME_RECORD && cname == NULL) {
        cname = rr;
      }
    }
    if (a->num > 0 || cname == NULL) break;
    if ((uint32_t) cname->ttl < a->ttl) a->ttl = (uint32_t) cname->ttl;
    if (mg_dns_parse_record_data(msg, cname, cur, sizeof(cur)) != 0) break;
  }
  if (a->num == 0) a->ttl = 0;
  return a->num;
}

// Builds a reply-shaped message for q's local answer into io and parses it
// into msg: what a 6.x callback expects for hosts file and cache hits.
static int resolv_fake_reply(struct resolv_query *q, struct mbuf *io,
                             struct mg_dns_message *msg) {
  struct mg_dns_resource_record rr;
  size_t n = strlen(q->name);
  int i, ok = 1;
  memset(&rr, 0, sizeof(rr));
  rr.rtype = q->qtype;
  rr.rclass = 1;
  rr.kind = MG_DNS_QUESTION;
  ok &= mg_dns_encode_record(io, &rr, q->name, n, NULL, 0) > 0;
  rr.kind = MG_DNS_ANSWER;
  rr.ttl = (int) q->addrs.ttl;
  for (i = 0; i < q->addrs.num && ok; i++) {
    ok &= mg_dns_encode_record(io, &rr, q->name, n, q->addrs.addr[i],
                               q->qtype == MG_DNS_A_RECORD ? 4 : 16) > 0;
  }
  msg->transaction_id = q->txid;
  msg->flags = MG_DNS_FLAG_QR | MG_DNS_FLAG_RD | MG_DNS_FLAG_RA;
  msg->num_questions = 1;
  msg->num_answers = q->addrs.num;
  ok &= mg_dns_insert_header(io, 0, msg) > 0;
  return ok && mg_parse_dns(io->buf, (int) io->len, msg) == 0;
}

// ---- Delivering a result ----------------------------------------------------

static const char *resolv_err_str(enum mg_resolve_err e) {
  static const char *s[] = {"ok",      "no such record", "nameservers failed",
                            "timeout", "NXDOMAIN",       "SERVFAIL"};
  return (size_t) e < MG_ARRAY_SIZE(s) ? s[e] : "?";
}

// Returns 1 if q's target is still the connection that waits for q (not
// closed, and not a new connection at the same address).
static int resolv_target_alive(struct resolv_query *q) {
  return q->target != NULL;  // The core clears it when the target is freed
}

// Starts the target's connect to the answer's first address, or fails it
// with the MG_EDNS_* code for e (the iface delivers MG_EV_CONNECT).
static void resolv_connect_target(struct resolv_query *q,
                                  enum mg_resolve_err e) {
  static const int codes[] = {0,
                              MG_EDNS_NODATA,
                              MG_EDNS_FAILED,
                              MG_EDNS_TIMEOUT,
                              MG_EDNS_NXDOMAIN,
                              MG_EDNS_SERVFAIL};
  struct mg_connection *c = q->target;
  uint16_t port = c->sa.sin.sin_port;
  c->flags &= ~(unsigned long) MG_F_RESOLVING;
  c->flags |= MG_F_CONNECTING;
  c->priv_2 = NULL;
  if (e != MG_RESOLVE_OK) {
    c->err = codes[e];
    MG_ERROR(
        ("%p cannot resolve %s: %s", (void *) c, q->name, mg_strerror(c->err)));
    return;
  }
  memset(&c->sa, 0, sizeof(c->sa));
  if (q->addrs.qtype == MG_DNS_A_RECORD) {
    c->sa.sin.sin_family = AF_INET;
    c->sa.sin.sin_port = port;
    memcpy(&c->sa.sin.sin_addr, q->addrs.addr[0], 4);
  } else {
#if MG_ENABLE_IPV6
    c->sa.sin6.sin6_family = AF_INET6;
    c->sa.sin6.sin6_port = port;
    memcpy(&c->sa.sin6.sin6_addr, q->addrs.addr[0], 16);
#endif
  }
  MG_DEBUG(("%p %s resolved", (void *) c, q->name));
  if (c->flags & MG_F_UDP) {
    c->iface->vtable->connect_udp(c);
  } else {
    c->iface->vtable->connect_tcp(c, &c->sa);
  }
  if (c->sock == INVALID_SOCKET && c->err == 0) c->err = EINVAL;
}

static void resolv_start_ns(struct resolv_query *q);
static void resolv_begin(struct resolv_query *q);

// Lets go of the nameserver connection (it closes; its events no longer
// reach q).
static void resolv_drop_ns(struct resolv_query *q) {
  if (q->ns_conn == NULL) return;
  q->ns_conn->user_data = NULL;
  q->ns_conn->flags |= MG_F_CLOSE_IMMEDIATELY;
  q->ns_conn = NULL;
}

// Ends q with e: the target connects (or fails), or the callback runs with
// msg (NULL: a message is made up from q->addrs if there are any). Then
// the owner closes.
static void resolv_finish(struct resolv_query *q, enum mg_resolve_err e,
                          struct mg_dns_message *msg) {
  struct mbuf io;
  struct mg_dns_message *fake = NULL;
  // A connect that found no A record tries AAAA from the start.
  if (q->target != NULL && e == MG_RESOLVE_NO_ANSWERS && MG_ENABLE_IPV6 &&
      q->qtype == MG_DNS_A_RECORD) {
    q->qtype = MG_DNS_AAAA_RECORD;
    resolv_begin(q);
    return;
  }
  q->done = 1;
  q->owner->flags |= MG_F_CLOSE_IMMEDIATELY;
  resolv_drop_ns(q);
  if (e == MG_RESOLVE_OK && !q->local)
    resolv_cache_put(q->mgr, q->name, &q->addrs);
  (void) resolv_err_str;  // Unused when logging is compiled out
  MG_DEBUG(("resolve %s type %d: %s", q->name, q->qtype, resolv_err_str(e)));
  if (q->for_connect) {
    if (resolv_target_alive(q)) resolv_connect_target(q, e);
    return;
  }
  mbuf_init(&io, 0);
  if (msg == NULL && e == MG_RESOLVE_OK &&
      (fake = (struct mg_dns_message *) MG_CALLOC(1, sizeof(*fake))) != NULL &&
      resolv_fake_reply(q, &io, fake)) {
    msg = fake;
  }
  if (q->cb != NULL) q->cb(msg, q->cb_data, e);
  MG_FREE(fake);
  mbuf_free(&io);
}

// The current nameserver is done with (silent, failing or SERVFAIL): ask
// the next, or end with what the nameservers did.
static void resolv_next_ns(struct resolv_query *q) {
  resolv_drop_ns(q);
  if (++q->ns_index < q->num_ns) {
    q->tcp = q->ns_tcp[q->ns_index];
    q->sends = 0;
    q->txid = mg_dns_random_id();
    resolv_start_ns(q);
  } else {
    resolv_finish(q,
                  q->servfail > 0 ? MG_RESOLVE_SERVFAIL
                  : q->silent > 0 ? MG_RESOLVE_TIMEOUT
                                  : MG_RESOLVE_EXCEEDED_RETRY_COUNT,
                  NULL);
  }
}

static void resolv_on_reply(struct resolv_query *q,
                            struct mg_dns_message *msg) {
  int rcode = msg->flags & MG_DNS_RCODE_MASK;
  if (!resolv_is_reply(q, msg)) {
    MG_INFO(("DNS reply for %s ignored: another id or question", q->name));
    return;
  }
  if ((msg->flags & MG_DNS_FLAG_TC) && !q->tcp) {
    MG_DEBUG(("%s: truncated reply, asking over TCP", q->name));
    resolv_drop_ns(q);
    q->tcp = 1;
    q->sends = 0;
    resolv_start_ns(q);
  } else if (rcode == RESOLV_RCODE_NXDOMAIN) {
    resolv_finish(q, MG_RESOLVE_NXDOMAIN, msg);
  } else if (rcode == RESOLV_RCODE_SERVFAIL || rcode == RESOLV_RCODE_REFUSED) {
    q->servfail++;
    resolv_next_ns(q);
  } else if (rcode != 0) {
    q->failed++;
    resolv_next_ns(q);
  } else {
    resolv_finish(q,
                  resolv_collect(msg, q->name, q->qtype, &q->addrs) > 0
                      ? MG_RESOLVE_OK
                      : MG_RESOLVE_NO_ANSWERS,
                  msg);
  }
}

// ---- The connections --------------------------------------------------------

// The connection to a nameserver: its user_data is the query (NULL once
// the query moved on or ended).
static void resolv_ns_handler(struct mg_connection *c, int ev,
                              void *ev_data MG_UD_ARG(void *user_data)) {
  struct resolv_query *q = (struct resolv_query *) c->user_data;
  MG_UD_UNUSED;
  if (q == NULL || q->ns_conn != c) return;
  if (ev == MG_EV_CONNECT && *(int *) ev_data != 0) {
    q->failed++;
    resolv_next_ns(q);
  } else if (ev == MG_DNS_MESSAGE) {
    resolv_on_reply(q, (struct mg_dns_message *) ev_data);
  } else if (ev == MG_EV_CLOSE) {
    q->ns_conn = NULL;  // The timer resends or moves on
  }
}

// Sends q's query (again) to the current nameserver, opening the
// connection first if there is none, and arms the timer.
static void resolv_start_ns(struct resolv_query *q) {
  struct mg_connect_opts opts;
  char addr[80], ip[64];
  struct mbuf *io;
  q->owner->ev_timer_time = mg_time() + q->timeout;
  q->sends++;
  if (q->ns_conn == NULL) {
    mg_sock_addr_to_str(&q->ns[q->ns_index], ip, sizeof(ip),
                        MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
    snprintf(addr, sizeof(addr), "%s://%s", q->tcp ? "tcp" : "udp", ip);
    memset(&opts, 0, sizeof(opts));
    opts.user_data = q;
    q->ns_conn =
        mg_connect_opt(q->mgr, addr, MG_CB(resolv_ns_handler, q), opts);
    if (q->ns_conn == NULL) {
      MG_ERROR(("resolve %s: cannot reach nameserver %s", q->name, addr));
      q->failed++;
      resolv_next_ns(q);
      return;
    }
    mg_set_protocol_dns(q->ns_conn);
    q->ns_conn->recv_mbuf_limit = RESOLV_TCP_LIMIT;
  }
  io = &q->ns_conn->send_mbuf;
  if (mg_dns_build_query(io, q->txid, mg_mk_str(q->name), q->qtype, q->tcp) <
      0) {
    q->failed++;
    resolv_next_ns(q);
  }
}

// The owner: on its timer a local answer is delivered, or the current
// nameserver gets another send or is given up; a target closed meanwhile
// ends the query; closing it first tells the callback (as 6.x).
static void resolv_owner_handler(struct mg_connection *c, int ev,
                                 void *ev_data MG_UD_ARG(void *user_data)) {
  struct resolv_query *q = (struct resolv_query *) c->user_data;
  MG_UD_UNUSED;
  (void) ev_data;
  if (q == NULL) return;
  if (ev == MG_EV_POLL && !q->done && q->for_connect &&
      !resolv_target_alive(q)) {
    MG_DEBUG(("resolve %s: its connection closed", q->name));
    q->target = NULL;
    q->cb = NULL;
    resolv_finish(q, MG_RESOLVE_TIMEOUT, NULL);
  } else if (ev == MG_EV_TIMER && !q->done) {
    if (q->local) {
      resolv_finish(q, MG_RESOLVE_OK, NULL);
    } else if (q->sends <= q->max_retries) {
      resolv_start_ns(q);
    } else {
      q->silent++;
      resolv_next_ns(q);
    }
  } else if (ev == MG_EV_CLOSE) {
    if (!q->done) resolv_finish(q, MG_RESOLVE_TIMEOUT, NULL);
    c->user_data = NULL;
    MG_FREE(q);
  }
}

// ---- Starting a query -------------------------------------------------------

// Parses the comma-separated nameserver list s into q (at most
// MG_RESOLV_MAX_NAMESERVERS; bad entries are logged and skipped).
static void resolv_parse_ns_list(struct resolv_query *q, const char *s) {
  char one[MG_MAX_HOST_LEN];
  int tcp;
  while (*s != '\0' && q->num_ns < MG_RESOLV_MAX_NAMESERVERS) {
    size_t n = strcspn(s, ",");
    snprintf(one, sizeof(one), "%.*s", (int) n, s);
    if (resolv_parse_ns(one, &q->ns[q->num_ns], &tcp) == 0) {
      q->ns_tcp[q->num_ns++] = (unsigned char) tcp;
    } else {
      MG_ERROR(("resolve %s: bad nameserver \"%s\"", q->name, one));
    }
    s += n + (s[n] == ',');
  }
}

// Fills q's nameservers: opts' (given), else the manager's, else every one
// of resolv.conf, else MG_RESOLV_FALLBACK_NAMESERVER.
static void resolv_load_ns(struct resolv_query *q, const char *given) {
  size_t len = 0;
  char *buf;
  if (given == NULL) given = q->mgr->nameserver;
  if (given == NULL &&
      (buf = resolv_read_file(mg_resolv_conf_file, &len)) != NULL) {
    q->num_ns =
        mg_resolv_parse_conf(buf, len, q->ns, MG_RESOLV_MAX_NAMESERVERS);
    MG_FREE(buf);
  }
  if (q->num_ns == 0 && given == NULL) given = MG_RESOLV_FALLBACK_NAMESERVER;
  if (q->num_ns == 0) resolv_parse_ns_list(q, given);
}

// Looks q->name up for q->qtype: hosts file, cache, then the nameservers.
// A local answer is delivered by the owner's timer, in the next poll.
static void resolv_begin(struct resolv_query *q) {
  union socket_address sa;
  int v4 = q->qtype == MG_DNS_A_RECORD;
  resolv_drop_ns(q);
  memset(&q->addrs, 0, sizeof(q->addrs));
  q->addrs.qtype = q->qtype;
  q->ns_index = q->sends = q->silent = q->servfail = q->failed = 0;
  q->tcp = q->ns_tcp[0];
  q->txid = mg_dns_random_id();
  if (resolv_hosts_lookup(q->name, v4 ? AF_INET : AF_INET6, &sa) == 0) {
    q->addrs.num = 1;
    memcpy(q->addrs.addr[0],
           v4 ? (void *) &sa.sin.sin_addr : (void *) &sa.sin6.sin6_addr,
           v4 ? 4 : 16);
    q->local = 1;
  } else {
    q->local = resolv_cache_get(q->mgr, q->name, q->qtype, &q->addrs);
  }
  if (q->local) {
    q->owner->ev_timer_time = mg_time();
  } else if (q->num_ns == 0) {
    resolv_finish(q, MG_RESOLVE_EXCEEDED_RETRY_COUNT, NULL);
  } else {
    resolv_start_ns(q);
  }
}

// Returns 1 if name is a literal of the query's type: then q holds it.
static int resolv_take_literal(struct resolv_query *q) {
  union socket_address sa;
  int v4 = q->qtype == MG_DNS_A_RECORD;
  if (resolv_literal(mg_mk_str(q->name), v4 ? AF_INET : AF_INET6, 0, &sa)) {
    return 0;
  }
  q->addrs.num = 1;
  memcpy(q->addrs.addr[0],
         v4 ? (void *) &sa.sin.sin_addr : (void *) &sa.sin6.sin6_addr,
         v4 ? 4 : 16);
  q->local = 1;
  return 1;
}

// Creates q for name, with its owner connection; NULL if name cannot be
// encoded or memory ran out.
static struct resolv_query *resolv_new(struct mg_mgr *mgr, const char *name,
                                       int query,
                                       struct mg_resolve_async_opts *o) {
  struct mg_add_sock_opts ao;
  struct resolv_query *q;
  size_t n = name != NULL ? strlen(name) : 0;
  struct mbuf io;
  int ok;
  if (n > 0 && name[n - 1] == '.') n--;
  mbuf_init(&io, 0);
  ok = n > 0 && n < MG_MAX_HOST_LEN &&
       (query == MG_DNS_A_RECORD || query == MG_DNS_AAAA_RECORD) &&
       mg_dns_build_query(&io, 0, mg_mk_str_n(name, n), query, 0) > 0;
  mbuf_free(&io);
  if (!ok) return NULL;
  if ((q = (struct resolv_query *) MG_CALLOC(1, sizeof(*q))) == NULL) {
    MG_ERROR(("out of memory resolving %s", name));
    return NULL;
  }
  memcpy(q->name, name, n);
  q->mgr = mgr;
  q->qtype = query;
  q->max_retries = o->max_retries > 0 ? o->max_retries : MG_RESOLV_RETRIES;
  if (q->max_retries > MG_RESOLV_MAX_RETRIES) {
    q->max_retries = MG_RESOLV_MAX_RETRIES;
  }
  q->timeout = o->timeout > 0 ? o->timeout : MG_RESOLV_TIMEOUT;
  memset(&ao, 0, sizeof(ao));
  ao.user_data = q;
  q->owner =
      mg_add_sock_opt(mgr, INVALID_SOCKET, MG_CB(resolv_owner_handler, q), ao);
  if (q->owner == NULL) {
    MG_FREE(q);
    return NULL;
  }
  return q;
}

int mg_resolve_async_opt(struct mg_mgr *mgr, const char *name, int query,
                         mg_resolve_callback_t cb, void *data,
                         struct mg_resolve_async_opts opts) {
  struct resolv_query *q = resolv_new(mgr, name, query, &opts);
  if (q == NULL) return -1;
  q->cb = cb;
  q->cb_data = data;
  if (opts.dns_conn != NULL) *opts.dns_conn = q->owner;
  if ((opts.accept_literal || opts.only_literal) && resolv_take_literal(q)) {
    q->owner->ev_timer_time = mg_time();
    return 0;
  }
  if (opts.only_literal) {
    q->done = 1;  // Closed without a callback
    q->owner->flags |= MG_F_CLOSE_IMMEDIATELY;
    if (opts.dns_conn != NULL) *opts.dns_conn = NULL;
    return -1;
  }
  resolv_load_ns(q, opts.nameserver);
  resolv_begin(q);
  return 0;
}

int mg_resolve_async(struct mg_mgr *mgr, const char *name, int query,
                     mg_resolve_callback_t cb, void *data) {
  struct mg_resolve_async_opts opts;
  memset(&opts, 0, sizeof(opts));
  return mg_resolve_async_opt(mgr, name, query, cb, data, opts);
}

void mg_resolve_and_connect(struct mg_connection *c, const char *host,
                            int proto, const char *nameserver) {
  struct mg_resolve_async_opts opts;
  struct resolv_query *q;
  (void) proto;  // MG_F_UDP on c says it
  memset(&opts, 0, sizeof(opts));
  c->flags |= MG_F_RESOLVING;
  if ((q = resolv_new(c->mgr, host, MG_DNS_A_RECORD, &opts)) == NULL) {
    c->flags &= ~(unsigned long) MG_F_RESOLVING;
    c->flags |= MG_F_CONNECTING;
    c->err = MG_EDNS_FAILED;
    MG_ERROR(
        ("%p cannot resolve %s: bad name or out of memory", (void *) c, host));
    return;
  }
  q->target = c;
  q->for_connect = 1;
  c->priv_2 = &q->target;  // Cleared by the core if c is freed first
  resolv_load_ns(q, nameserver);
  resolv_begin(q);
}

#endif  // MG_ENABLE_ASYNC_RESOLVER
