#include "dns_internal.h"

// DNS messages (RFC 1035 4): the parser, the encoders and the protocol
// handler. The parser is pure: it never allocates and never reads outside
// the message; every slice it returns points into the message. Names are
// checked by one walker (dns_walk_name) that every reader goes through.

#if MG_ENABLE_DNS

// What dns_walk_name() returns for a name it cannot read.
#define DNS_NAME_BAD (-1)        // Breaks RFC 1035's rules
#define DNS_NAME_TRUNCATED (-2)  // Cut off by the end of the message

#define DNS_MAX_NAME_WIRE 255  // Longest name, encoded (RFC 1035 2.3.4)
#define DNS_MAX_LABEL 63       // Longest label (RFC 1035 2.3.4)
#define DNS_CLASS_IN 1         // The Internet class

uint16_t mg_dns_get16(const void *p) {
  const unsigned char *b = (const unsigned char *) p;
  return (uint16_t) (b[0] << 8 | b[1]);
}

static uint32_t dns_get32(const unsigned char *b) {
  return (uint32_t) b[0] << 24 | (uint32_t) b[1] << 16 | (uint32_t) b[2] << 8 |
         b[3];
}

static void dns_set16(unsigned char *b, size_t v) {
  b[0] = (unsigned char) (v >> 8);
  b[1] = (unsigned char) v;
}

int mg_dns_put16(struct mbuf *io, uint16_t v) {
  unsigned char b[2];
  dns_set16(b, v);
  return mbuf_append(io, b, 2) == 2;
}

static int dns_put32(struct mbuf *io, uint32_t v) {
  unsigned char b[4];
  dns_set16(b, v >> 16);
  dns_set16(b + 2, v & 0xffff);
  return mbuf_append(io, b, 4) == 4;
}

// Fills a 12-byte header: id, flags, question and answer counts.
static void dns_header(unsigned char *h, uint16_t id, uint16_t flags, int qd,
                       int an) {
  memset(h, 0, MG_DNS_HEADER_SIZE);
  dns_set16(h, id);
  dns_set16(h + 2, flags);
  dns_set16(h + 4, qd < 0 ? 0 : qd > 0xffff ? 0xffff : (size_t) qd);
  dns_set16(h + 6, an < 0 ? 0 : an > 0xffff ? 0xffff : (size_t) an);
}

// True if s points inside msg's packet; *off gets its offset. (Compared as
// integers: s may come from anywhere.)
static int dns_in_pkt(const struct mg_dns_message *msg, const char *s,
                      size_t *off) {
  uintptr_t a = (uintptr_t) s, b = (uintptr_t) msg->pkt.p;
  if (s == NULL || msg->pkt.p == NULL || a < b || a - b >= msg->pkt.len) {
    return 0;
  }
  *off = (size_t) (a - b);
  return 1;
}

// Appends label p[0..n) to the dotted name in dst (dst_len bytes with the
// NUL), *out bytes long so far. Returns 0 if it does not fit.
static int dns_put_label(char *dst, size_t dst_len, size_t *out,
                         const unsigned char *p, size_t n) {
  size_t need = *out + (*out > 0 ? 1 : 0) + n + 1;
  if (dst == NULL) return 1;
  if (need > dst_len) return 0;
  if (*out > 0) dst[(*out)++] = '.';
  memcpy(dst + *out, p, n);
  *out += n;
  return 1;
}

// Walks the name at offset off of p[0..len): checks it and, when dst is not
// NULL, writes it dotted and NUL-terminated into dst (dst_len bytes). *next
// gets the offset after the name's in-place part. A compression pointer
// must point into the body (past the header) and before the labels read so
// far, and what it points to must end before them too (an earlier name
// does): each jump confines the walk to a smaller prefix of the message,
// so no loop can form and a copied section means the same thing. At most
// MG_MAX_DNS_POINTER_HOPS pointers are followed. Returns the dotted
// length, DNS_NAME_TRUNCATED if the message ends inside the in-place part,
// or DNS_NAME_BAD (also when the name does not fit in dst).
static int dns_walk_name(const unsigned char *p, size_t len, size_t off,
                         char *dst, size_t dst_len, size_t *next) {
  size_t pos = off, run = off, end = len, out = 0, wire = 1, c;
  int hops = 0, cut = DNS_NAME_TRUNCATED;
  for (;;) {
    if (pos >= end || ((p[pos] & 0xc0) == 0xc0 && pos + 1 >= end)) return cut;
    c = p[pos];
    if ((c & 0xc0) == 0xc0) {
      size_t target = (c & 0x3f) << 8 | p[pos + 1];
      if (cut == DNS_NAME_TRUNCATED) *next = pos + 2;
      cut = DNS_NAME_BAD;  // Past a pointer, the end is no truncation
      if (target < MG_DNS_HEADER_SIZE || target >= run ||
          ++hops > MG_MAX_DNS_POINTER_HOPS) {
        return DNS_NAME_BAD;
      }
      end = run, pos = run = target;
      continue;
    }
    if (c > DNS_MAX_LABEL) return DNS_NAME_BAD;  // 0x40, 0x80: no such type
    if (c == 0) break;
    if (pos + 1 + c > end) return cut;
    wire += c + 1;
    if (wire > DNS_MAX_NAME_WIRE) return DNS_NAME_BAD;
    if (!dns_put_label(dst, dst_len, &out, p + pos + 1, c)) return DNS_NAME_BAD;
    pos += 1 + c;
  }
  if (cut == DNS_NAME_TRUNCATED) *next = pos + 1;
  if (dst != NULL && dst_len > 0) dst[out] = '\0';
  return (int) out;
}

// Parses the question (question != 0) or resource record at *off into rr
// and moves *off past it. Returns 1, 0 if it is cut off by the end of the
// message, -1 if its name is malformed.
static int dns_parse_rr(const unsigned char *p, size_t len, size_t *off,
                        struct mg_dns_resource_record *rr, int question) {
  size_t pos = 0, rdlen;
  uint32_t ttl;
  int r = dns_walk_name(p, len, *off, NULL, 0, &pos);
  if (r < 0) return r == DNS_NAME_TRUNCATED ? 0 : -1;
  memset(rr, 0, sizeof(*rr));
  rr->name = mg_mk_str_n((const char *) p + *off, pos - *off);
  if (pos + 4 > len) return 0;
  rr->rtype = mg_dns_get16(p + pos);
  rr->rclass = mg_dns_get16(p + pos + 2);
  rr->kind = question ? MG_DNS_QUESTION : MG_DNS_ANSWER;
  pos += 4;
  if (!question) {
    if (pos + 6 > len) return 0;
    ttl = dns_get32(p + pos);
    rr->ttl = ttl > 0x7fffffff ? 0 : (int) ttl;  // RFC 2181 8
    rdlen = mg_dns_get16(p + pos + 4);
    pos += 6;
    if (pos + rdlen > len) return 0;
    rr->rdata = mg_mk_str_n((const char *) p + pos, rdlen);
    pos += rdlen;
  }
  *off = pos;
  return 1;
}

int mg_parse_dns(const char *buf, int len, struct mg_dns_message *msg) {
  const unsigned char *p = (const unsigned char *) buf;
  size_t n = len > 0 ? (size_t) len : 0, off = MG_DNS_HEADER_SIZE;
  struct mg_dns_resource_record extra;
  int qd, an, i, r;
  memset(msg, 0, sizeof(*msg));
  if (buf == NULL || n < MG_DNS_HEADER_SIZE) return -1;
  msg->pkt = mg_mk_str_n(buf, n);
  msg->transaction_id = mg_dns_get16(p);
  msg->flags = mg_dns_get16(p + 2);
  qd = mg_dns_get16(p + 4);
  an = mg_dns_get16(p + 6);
  // Questions past the limit are checked and skipped: answers follow them.
  for (i = 0; i < qd; i++) {
    int kept = i < MG_MAX_DNS_QUESTIONS;
    if (dns_parse_rr(p, n, &off, kept ? &msg->questions[i] : &extra, 1) != 1) {
      return -1;
    }
    if (kept) msg->num_questions++;
  }
  for (i = 0; i < an && i < MG_MAX_DNS_ANSWERS; i++) {
    if ((r = dns_parse_rr(p, n, &off, &msg->answers[i], 0)) < 0) return -1;
    if (r == 0) break;  // Truncated: keep the answers before it
    msg->num_answers++;
  }
  return 0;
}

int mg_dns_find_edns(const struct mg_dns_message *msg,
                     struct mg_dns_edns *edns) {
  const unsigned char *p = (const unsigned char *) msg->pkt.p, *t;
  size_t n = msg->pkt.len, off = MG_DNS_HEADER_SIZE;
  struct mg_dns_resource_record rr;
  int section, i, count;
  if (p == NULL || n < MG_DNS_HEADER_SIZE) return -1;
  for (section = 0; section < 4; section++) {
    count = mg_dns_get16(p + 4 + 2 * section);
    for (i = 0; i < count; i++) {
      if (dns_parse_rr(p, n, &off, &rr, section == 0) != 1) return -1;
      if (section < 3 || rr.rtype != MG_DNS_OPT_RECORD) continue;
      // The owner is the root; the TTL field holds the EDNS fields.
      if (rr.name.len != 1) return -1;
      t = (const unsigned char *) rr.name.p + rr.name.len + 4;
      edns->udp_size = (uint16_t) rr.rclass;
      edns->ext_rcode = t[0];
      edns->version = t[1];
      edns->flags = mg_dns_get16(t + 2);
      return 1;
    }
  }
  return 0;
}

size_t mg_dns_questions_size(const struct mg_dns_message *msg) {
  const struct mg_dns_resource_record *q;
  size_t off;
  if (msg->num_questions <= 0 || msg->num_questions > MG_MAX_DNS_QUESTIONS) {
    return 0;
  }
  q = &msg->questions[msg->num_questions - 1];
  if (!dns_in_pkt(msg, q->name.p, &off) || off < MG_DNS_HEADER_SIZE ||
      off + q->name.len + 4 > msg->pkt.len) {
    return 0;
  }
  return off + q->name.len + 4 - MG_DNS_HEADER_SIZE;
}

struct mg_dns_resource_record *mg_dns_next_record(
    struct mg_dns_message *msg, int query,
    struct mg_dns_resource_record *prev) {
  uintptr_t first, at;
  int i = 0;
  if (msg == NULL) return NULL;
  if (prev != NULL) {
    first = (uintptr_t) msg->answers, at = (uintptr_t) prev;
    if (at < first || at >= (uintptr_t) (msg->answers + MG_MAX_DNS_ANSWERS)) {
      return NULL;
    }
    i = (int) ((at - first) / sizeof(*prev)) + 1;
  }
  for (; i < msg->num_answers && i < MG_MAX_DNS_ANSWERS; i++) {
    if (msg->answers[i].rtype == query) return &msg->answers[i];
  }
  return NULL;
}

// True for the types whose RDATA is one domain name.
static int dns_rdata_is_name(int rtype) {
  return rtype == MG_DNS_CNAME_RECORD || rtype == MG_DNS_PTR_RECORD ||
         rtype == MG_DNS_NS_RECORD;
}

int mg_dns_parse_record_data(struct mg_dns_message *msg,
                             struct mg_dns_resource_record *rr, void *data,
                             size_t data_len) {
  size_t off, next = 0, want = 0;
  if (msg == NULL || rr == NULL || data == NULL || rr->rdata.len == 0 ||
      !dns_in_pkt(msg, rr->rdata.p, &off) ||
      rr->rdata.len > msg->pkt.len - off) {
    return -1;
  }
  if (rr->rtype == MG_DNS_A_RECORD) want = sizeof(struct in_addr);
  if (rr->rtype == MG_DNS_AAAA_RECORD) want = sizeof(struct in6_addr);
  if (want > 0) {
    if (rr->rdata.len != want || data_len < want) return -1;
    memcpy(data, rr->rdata.p, want);
    return 0;
  }
  if (!dns_rdata_is_name(rr->rtype) || data_len == 0) return -1;
  // The name must fill the RDATA exactly (its pointers may leave it).
  if (dns_walk_name((const unsigned char *) msg->pkt.p, off + rr->rdata.len,
                    off, (char *) data, data_len, &next) < 0 ||
      next != off + rr->rdata.len) {
    *(char *) data = '\0';
    return -1;
  }
  return 0;
}

size_t mg_dns_uncompress_name(struct mg_dns_message *msg, struct mg_str *name,
                              char *dst, int dst_len) {
  size_t off, next;
  int n;
  if (dst == NULL || dst_len <= 0) return 0;
  dst[0] = '\0';
  if (msg == NULL || name == NULL || !dns_in_pkt(msg, name->p, &off)) return 0;
  n = dns_walk_name((const unsigned char *) msg->pkt.p, msg->pkt.len, off, dst,
                    (size_t) dst_len, &next);
  if (n < 0) {
    dst[0] = '\0';
    return 0;
  }
  return (size_t) n;
}

// ---- Encoders -----------------------------------------------------------

int mg_dns_encode_name(struct mbuf *io, const char *name, size_t len) {
  size_t start = io->len, pos = 0, wire = 1, n;
  const char *dot;
  unsigned char b;
  if (name == NULL && len > 0) return -1;
  if (len > 0 && name[len - 1] == '.') len--;  // Absolute: "." is the root
  if (len > 0 && name[len - 1] == '.') return -1;
  while (pos < len) {
    dot = (const char *) memchr(name + pos, '.', len - pos);
    n = (dot == NULL ? len : (size_t) (dot - name)) - pos;
    wire += n + 1;
    b = (unsigned char) n;
    if (n == 0 || n > DNS_MAX_LABEL || wire > DNS_MAX_NAME_WIRE ||
        mbuf_append(io, &b, 1) != 1 || mbuf_append(io, name + pos, n) != n) {
      io->len = start;
      return -1;
    }
    pos += n + 1;
  }
  if (mbuf_append(io, "", 1) != 1) {
    io->len = start;
    return -1;
  }
  return (int) (io->len - start);
}

int mg_dns_encode_name_s(struct mbuf *io, struct mg_str name) {
  return mg_dns_encode_name(io, name.p, name.len);
}

// Appends RDLENGTH and RDATA: a name for the name types, else the bytes.
static int dns_put_rdata(struct mbuf *io, int rtype, const void *rdata,
                         size_t rlen) {
  size_t at = io->len;
  if (dns_rdata_is_name(rtype)) {
    if (!mg_dns_put16(io, 0) ||
        mg_dns_encode_name(io, (const char *) rdata, rlen) < 0) {
      return 0;
    }
    dns_set16((unsigned char *) io->buf + at, io->len - at - 2);
    return 1;
  }
  if (rlen > 0xffff || (rlen > 0 && rdata == NULL)) return 0;
  return mg_dns_put16(io, (uint16_t) rlen) &&
         (rlen == 0 || mbuf_append(io, rdata, rlen) == rlen);
}

int mg_dns_encode_record(struct mbuf *io, struct mg_dns_resource_record *rr,
                         const char *name, size_t nlen, const void *rdata,
                         size_t rlen) {
  size_t start = io->len;
  int ok;
  if (rr == NULL || mg_dns_encode_name(io, name, nlen) < 0) return -1;
  ok = mg_dns_put16(io, (uint16_t) rr->rtype) &&
       mg_dns_put16(io, (uint16_t) rr->rclass);
  if (ok && rr->kind != MG_DNS_QUESTION) {
    ok = dns_put32(io, (uint32_t) rr->ttl) &&
         dns_put_rdata(io, rr->rtype, rdata, rlen);
  }
  if (!ok) {
    io->len = start;
    return -1;
  }
  return (int) (io->len - start);
}

int mg_dns_insert_header(struct mbuf *io, size_t pos,
                         struct mg_dns_message *msg) {
  unsigned char h[MG_DNS_HEADER_SIZE];
  dns_header(h, msg->transaction_id, msg->flags, msg->num_questions,
             msg->num_answers);
  if (pos > io->len || mbuf_insert(io, pos, h, sizeof(h)) != sizeof(h)) {
    return -1;
  }
  return (int) sizeof(h);
}

int mg_dns_copy_questions(struct mbuf *io, struct mg_dns_message *msg) {
  size_t n = mg_dns_questions_size(msg);
  if (n == 0) return 0;
  if (mbuf_append(io, msg->pkt.p + MG_DNS_HEADER_SIZE, n) != n) return -1;
  return (int) n;
}

int mg_dns_build_query(struct mbuf *io, uint16_t txid, struct mg_str name,
                       int qtype, int tcp) {
  size_t start = io->len;
  unsigned char h[MG_DNS_HEADER_SIZE];
  struct mg_dns_resource_record q;
  memset(&q, 0, sizeof(q));
  q.rtype = qtype;
  q.rclass = DNS_CLASS_IN;
  q.kind = MG_DNS_QUESTION;
  dns_header(h, txid, MG_DNS_FLAG_RD, 1, 0);
  if ((tcp && !mg_dns_put16(io, 0)) || mbuf_append(io, h, sizeof(h)) == 0 ||
      mg_dns_encode_record(io, &q, name.p, name.len, NULL, 0) < 0) {
    io->len = start;
    return -1;
  }
  if (tcp) dns_set16((unsigned char *) io->buf + start, io->len - start - 2);
  return (int) (io->len - start);
}

uint16_t mg_dns_random_id(void) {
  unsigned char b[2];
  size_t got = 0;
  uint64_t x;
  FILE *fp = fopen("/dev/urandom", "rb");
  if (fp != NULL) {
    got = fread(b, 1, sizeof(b), fp);
    fclose(fp);
  }
  if (got == sizeof(b)) return mg_dns_get16(b);
  MG_ERROR(("/dev/urandom unreadable: weak DNS transaction id"));
  // A 64-bit finaliser (MurmurHash3's) over the clock and an address.
  x = (uint64_t) (mg_time() * 1e6) ^ ((uint64_t) clock() << 32) ^
      (uint64_t) (uintptr_t) &got;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return (uint16_t) (x ^ (x >> 16) ^ (x >> 32));
}

void mg_send_dns_query(struct mg_connection *nc, const char *name,
                       int query_type) {
  struct mbuf io;
  mbuf_init(&io, 64);
  if (name == NULL ||
      mg_dns_build_query(&io, mg_dns_random_id(), mg_mk_str(name), query_type,
                         !(nc->flags & MG_F_UDP)) < 0) {
    MG_ERROR(("%p cannot encode a DNS query for %s", (void *) nc,
              name == NULL ? "(null)" : name));
  } else {
    mg_send(nc, io.buf, (int) io.len);
  }
  mbuf_free(&io);
}

// ---- The protocol handler -----------------------------------------------

#if MG_ENABLE_DNS_SERVER
// Answers the malformed message m[0..n) with FORMERR if it is a query with
// a readable header that reached a server connection (never a response:
// no error ping-pong). The reply has its id, opcode and RD bit and no
// sections (RFC 1035 4.1.1). Returns 1 if it answered.
static int dns_answer_formerr(struct mg_connection *nc, const char *m,
                              size_t n) {
  unsigned char b[2 + MG_DNS_HEADER_SIZE];
  size_t pre = (nc->flags & MG_F_UDP) ? 0 : 2;  // TCP: the length first
  uint16_t flags;
  if (nc->listener == NULL || n < MG_DNS_HEADER_SIZE ||
      (mg_dns_get16(m + 2) & MG_DNS_FLAG_QR)) {
    return 0;
  }
  flags = mg_dns_get16(m + 2) & (MG_DNS_FLAG_OPCODE | MG_DNS_FLAG_RD);
  dns_set16(b, MG_DNS_HEADER_SIZE);
  dns_header(b + pre, mg_dns_get16(m),
             (uint16_t) (flags | MG_DNS_FLAG_QR | MG_DNS_RCODE_FORMERR), 0, 0);
  mg_send(nc, b, (int) (pre + MG_DNS_HEADER_SIZE));
  return 1;
}
#else
static int dns_answer_formerr(struct mg_connection *nc, const char *m,
                              size_t n) {
  (void) nc, (void) m, (void) n;
  return 0;
}
#endif

// Drops the malformed message m[0..n): logged, maybe answered with
// FORMERR; a TCP connection closes (once the FORMERR is out).
static void dns_reject(struct mg_connection *nc, const char *m, size_t n) {
  int answered;
  MG_INFO(("%p malformed DNS message (%lu bytes) dropped", (void *) nc,
           (unsigned long) n));
  answered = dns_answer_formerr(nc, m, n);
  if (!(nc->flags & MG_F_UDP)) {
    nc->flags |= answered ? MG_F_SEND_AND_CLOSE : MG_F_CLOSE_IMMEDIATELY;
  }
}

// Parses the message m[0..n) and hands it to the user handler. Returns 0
// if it was malformed (or memory ran out): the caller stops reading.
static int dns_deliver(struct mg_connection *nc, const char *m, size_t n) {
  struct mg_dns_message *msg;
  int ok;
  // Heap, not stack: a message with its record arrays is a few KiB.
  if ((msg = (struct mg_dns_message *) MG_CALLOC(1, sizeof(*msg))) == NULL) {
    MG_ERROR(("%p out of memory, DNS message dropped", (void *) nc));
    if (!(nc->flags & MG_F_UDP)) nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    return 0;
  }
  ok = mg_parse_dns(m, (int) n, msg) == 0;
  if (ok) {
    mg_call_user(nc, MG_DNS_MESSAGE, msg);
  } else {
    dns_reject(nc, m, n);
  }
  MG_FREE(msg);
  return ok;
}

// A datagram is one message: the last num bytes of recv_mbuf.
static void dns_recv_udp(struct mg_connection *nc, int num) {
  struct mbuf *io = &nc->recv_mbuf;
  size_t n = num > 0 ? (size_t) num : 0;
  if (n > io->len) n = io->len;  // The user handler took some
  if (n > 0) dns_deliver(nc, io->buf + io->len - n, n);
  mbuf_clear(io);
}

// Over TCP each message comes after its 2-byte length (RFC 1035 4.2.2):
// deliver every complete one, keep a partial one for the next read.
static void dns_recv_tcp(struct mg_connection *nc) {
  struct mbuf *io = &nc->recv_mbuf;
  size_t n;
  while (io->len >= 2 && !(nc->flags & MG_F_CLOSE_IMMEDIATELY)) {
    n = mg_dns_get16(io->buf);
    if (io->len < n + 2) break;
    if (!dns_deliver(nc, io->buf + 2, n)) {
      mbuf_clear(io);
      break;
    }
    mbuf_remove(io, n + 2);
  }
}

static void dns_handler(struct mg_connection *nc, int ev,
                        void *ev_data MG_UD_ARG(void *user_data)) {
  MG_UD_UNUSED;
  // Every core event reaches the user handler first, as in 6.x.
  mg_call_user(nc, ev, ev_data);
  if (ev != MG_EV_RECV || (nc->flags & MG_F_CLOSE_IMMEDIATELY)) return;
  if (nc->flags & MG_F_UDP) {
    dns_recv_udp(nc, *(int *) ev_data);
  } else {
    dns_recv_tcp(nc);
  }
}

void mg_set_protocol_dns(struct mg_connection *nc) {
  nc->proto_handler = dns_handler;
}

#endif  // MG_ENABLE_DNS
