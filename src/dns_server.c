#include "dns_internal.h"
#include "dns_server.h"

// DNS server replies: a reply repeats the query's id and questions, then
// carries the answers the handler adds; EDNS (RFC 6891) and the UDP size
// limit are applied when it is sent.

#if MG_ENABLE_DNS_SERVER

#define DNS_S_OPT_SIZE 11  // An OPT record without options

struct mg_dns_reply mg_dns_create_reply(struct mbuf *io,
                                        struct mg_dns_message *msg) {
  struct mg_dns_reply r;
  r.msg = msg;
  r.io = io;
  r.start = io->len;
  // AD and Z are cleared: this server vouches for nothing (RFC 6840 5.8).
  msg->flags = (uint16_t) ((msg->flags & (MG_DNS_FLAG_OPCODE | MG_DNS_FLAG_RD |
                                          MG_DNS_FLAG_CD)) |
                           MG_DNS_FLAG_QR | MG_DNS_FLAG_RA);
  if (mg_dns_copy_questions(io, msg) < 0) {
    MG_ERROR(("out of memory: DNS reply without questions"));
    msg->num_questions = 0;
  }
  msg->num_answers = 0;
  return r;
}

int mg_dns_reply_record(struct mg_dns_reply *reply,
                        struct mg_dns_resource_record *question,
                        const char *name, int rtype, int ttl, const void *rdata,
                        size_t rdata_len) {
  struct mg_dns_message *msg = reply->msg;
  struct mg_dns_resource_record rr;
  char qname[256];
  if (question == NULL || msg->num_answers < 0 ||
      msg->num_answers >= MG_MAX_DNS_ANSWERS) {
    return -1;
  }
  if (name == NULL) {
    // A parsed question's name always fits: "" is the root.
    mg_dns_uncompress_name(msg, &question->name, qname, sizeof(qname));
    name = qname;
  }
  rr = *question;
  rr.kind = MG_DNS_ANSWER;
  rr.rtype = rtype;
  rr.ttl = ttl;
  if (mg_dns_encode_record(reply->io, &rr, name, strlen(name), rdata,
                           rdata_len) < 0) {
    return -1;
  }
  msg->answers[msg->num_answers++] = rr;
  return 0;
}

// Drops the answers: the reply is its questions only.
static void dns_s_cut_answers(struct mg_dns_reply *r) {
  size_t end = r->start + mg_dns_questions_size(r->msg);
  if (end < r->io->len) r->io->len = end;
  r->msg->num_answers = 0;
}

// The largest UDP reply the requester takes (RFC 6891 6.2.3, 6.2.5).
static size_t dns_s_udp_limit(const struct mg_dns_edns *edns) {
  size_t n = edns == NULL ? MG_DNS_UDP_MIN_SIZE : edns->udp_size;
  if (n > MG_DNS_EDNS_UDP_SIZE) n = MG_DNS_EDNS_UDP_SIZE;
  return n < MG_DNS_UDP_MIN_SIZE ? MG_DNS_UDP_MIN_SIZE : n;
}

// Appends our OPT record: root owner, our payload size, version 0, no
// flags, no options.
static int dns_s_put_opt(struct mbuf *io, unsigned char ext_rcode) {
  unsigned char b[DNS_S_OPT_SIZE];
  memset(b, 0, sizeof(b));
  b[2] = MG_DNS_OPT_RECORD;
  b[3] = (unsigned char) (MG_DNS_EDNS_UDP_SIZE >> 8);
  b[4] = (unsigned char) (MG_DNS_EDNS_UDP_SIZE & 0xff);
  b[5] = ext_rcode;
  return mbuf_append(io, b, sizeof(b)) == sizeof(b);
}

// Applies EDNS and the UDP limit to the reply in r. Returns 1 if an OPT
// record must follow; *ext_rcode gets its extended rcode.
static int dns_s_fit(struct mg_connection *nc, struct mg_dns_reply *r,
                     unsigned char *ext_rcode) {
  struct mg_dns_edns edns;
  int has_edns = mg_dns_find_edns(r->msg, &edns) == 1;
  size_t size;
  *ext_rcode = 0;
  if (has_edns && edns.version != 0) {
    dns_s_cut_answers(r);
    r->msg->flags &= (uint16_t) ~MG_DNS_RCODE_MASK;
    *ext_rcode = MG_DNS_RCODE_BADVERS >> 4;
  }
  size = MG_DNS_HEADER_SIZE + r->io->len - r->start +
         (has_edns ? DNS_S_OPT_SIZE : 0);
  if ((nc->flags & MG_F_UDP) &&
      size > dns_s_udp_limit(has_edns ? &edns : NULL)) {
    dns_s_cut_answers(r);
    r->msg->flags |= MG_DNS_FLAG_TC;
  }
  return has_edns;
}

void mg_dns_send_reply(struct mg_connection *nc, struct mg_dns_reply *r) {
  struct mbuf *io = r->io;
  unsigned char ext_rcode, len[2];
  int opt;
  size_t n;
  if (io->len < r->start) return;
  opt = dns_s_fit(nc, r, &ext_rcode);
  if ((opt && !dns_s_put_opt(io, ext_rcode)) ||
      mg_dns_insert_header(io, r->start, r->msg) < 0) {
    MG_ERROR(("%p out of memory, DNS reply dropped", (void *) nc));
    io->len = r->start;
    return;
  }
  if (opt) io->buf[r->start + 11] = 1;  // ARCOUNT: the OPT record
  n = io->len - r->start;
  if (!(nc->flags & MG_F_UDP)) {
    len[0] = (unsigned char) (n >> 8), len[1] = (unsigned char) n;
    if (mbuf_insert(io, r->start, len, 2) != 2) {
      MG_ERROR(("%p out of memory, DNS reply dropped", (void *) nc));
      io->len = r->start;
      return;
    }
    n += 2;
  }
  if (io != &nc->send_mbuf) {
    mg_send(nc, io->buf + r->start, (int) n);
    io->len = r->start;
  }
}

#endif  // MG_ENABLE_DNS_SERVER
