// Fuzzes the DNS codec and protocol handler (src/dns.c, src/dns_server.c).
// The first input byte picks a mode:
//   0  the rest is one message for mg_parse_dns(). Checks: counts within
//      the limits, every slice inside the message, every name readable
//      into 256 bytes with the length returned, record data decoded
//      without overflow. A parsed query is answered by the server code over
//      UDP and TCP (one A answer per question, EDNS echoed), and the
//      reply must parse again with the same id and questions.
//   1  the rest is a byte stream to a TCP server connection with the DNS
//      protocol handler, in pieces of 1 + data[1] bytes. Checks: recv_mbuf
//      never holds more than was fed; what is sent back is framed replies.
//   2  the rest is a dotted name for mg_dns_encode_name(): if encoded, a
//      question with it parses and reads back as the same name.
#include <stdlib.h>
#include <string.h>

#include "mongoose.h"

static struct mg_dns_message s_msg, s_reply;
static int s_delivered;

static int in_pkt(const struct mg_dns_message *m, struct mg_str s) {
  const char *b = m->pkt.p, *e = m->pkt.p + m->pkt.len;
  if (s.len == 0) return 1;
  return s.p >= b && s.p <= e && s.len <= (size_t) (e - s.p);
}

static void check_records(struct mg_dns_message *m,
                          struct mg_dns_resource_record *rr, int n) {
  char name[256];
  size_t len;
  int i;
  for (i = 0; i < n; i++) {
    if (!in_pkt(m, rr[i].name) || !in_pkt(m, rr[i].rdata)) abort();
    memset(name, 'Z', sizeof(name));
    len = mg_dns_uncompress_name(m, &rr[i].name, name, sizeof(name));
    if (len > 253 || name[len] != '\0') abort();
    mg_dns_parse_record_data(m, &rr[i], name, sizeof(name));
    if (rr[i].rtype == MG_DNS_CNAME_RECORD && memchr(name, 0, 256) == NULL) {
      abort();
    }
  }
}

// Answers m on a fake connection and checks that the reply parses.
static void check_reply(struct mg_dns_message *m, int udp) {
  struct mg_connection nc;
  struct mg_mgr mgr;
  struct mg_dns_reply r;
  struct mbuf own;
  int i, n0 = m->num_questions;
  uint16_t id = m->transaction_id;
  const char *p;
  memset(&nc, 0, sizeof(nc));
  memset(&mgr, 0, sizeof(mgr));
  nc.mgr = &mgr;
  nc.flags = udp ? MG_F_UDP : 0;
  mbuf_init(&own, 0);
  r = mg_dns_create_reply(&own, m);
  for (i = 0; i < m->num_questions; i++) {
    mg_dns_reply_record(&r, &m->questions[i], NULL, MG_DNS_A_RECORD, 60,
                        "\x7f\0\0\1", 4);
  }
  mg_dns_send_reply(&nc, &r);
  if (own.len != 0 || nc.send_mbuf.len < 12 + (udp ? 0 : 2)) abort();
  p = nc.send_mbuf.buf + (udp ? 0 : 2);
  if (mg_parse_dns(p, (int) nc.send_mbuf.len - (udp ? 0 : 2), &s_reply) != 0 ||
      s_reply.transaction_id != id || s_reply.num_questions != n0 ||
      !(s_reply.flags & 0x8000)) {
    abort();
  }
  if (udp && nc.send_mbuf.len > 1232 && (s_reply.flags & 0x0200) == 0 &&
      s_reply.num_answers > 0) {
    abort();
  }
  mbuf_free(&own);
  mbuf_free(&nc.send_mbuf);
}

static void fz_parse(const unsigned char *data, size_t size) {
  if (mg_parse_dns((const char *) data, (int) size, &s_msg) != 0) return;
  if (s_msg.num_questions < 0 || s_msg.num_questions > MG_MAX_DNS_QUESTIONS ||
      s_msg.num_answers < 0 || s_msg.num_answers > MG_MAX_DNS_ANSWERS) {
    abort();
  }
  check_records(&s_msg, s_msg.questions, s_msg.num_questions);
  check_records(&s_msg, s_msg.answers, s_msg.num_answers);
  if (s_msg.flags & 0x8000) return;
  check_reply(&s_msg, 1);
  mg_parse_dns((const char *) data, (int) size, &s_msg);
  check_reply(&s_msg, 0);
}

static void fz_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct mg_dns_message *m = (struct mg_dns_message *) ev_data;
  struct mg_dns_reply r;
  if (ev != MG_DNS_MESSAGE) return;
  s_delivered++;
  if (m->flags & 0x8000) return;
  r = mg_dns_create_reply(&nc->send_mbuf, m);
  if (m->num_questions > 0) {
    mg_dns_reply_record(&r, &m->questions[0], NULL, MG_DNS_A_RECORD, 1,
                        "\1\2\3\4", 4);
  }
  mg_dns_send_reply(nc, &r);
}

static void fz_stream(const unsigned char *data, size_t size) {
  struct mg_connection nc, listener;
  struct mg_mgr mgr;
  size_t piece = size > 0 ? 1 + data[0] : 1, pos = 1, n, off = 0, len;
  memset(&nc, 0, sizeof(nc));
  memset(&mgr, 0, sizeof(mgr));
  nc.mgr = &mgr;
  nc.listener = &listener;
  nc.handler = fz_handler;
  mg_set_protocol_dns(&nc);
  s_delivered = 0;
  while (pos < size && !(nc.flags & MG_F_CLOSE_IMMEDIATELY)) {
    int k;
    n = size - pos < piece ? size - pos : piece;
    mbuf_append(&nc.recv_mbuf, data + pos, n);
    k = (int) n;
    nc.proto_handler(&nc, MG_EV_RECV, &k);
    pos += n;
    if (nc.recv_mbuf.len > pos - 1) abort();
  }
  // Every reply is framed: walk the length prefixes to the exact end.
  while (off + 2 <= nc.send_mbuf.len) {
    len = (size_t) ((unsigned char) nc.send_mbuf.buf[off] << 8 |
                    (unsigned char) nc.send_mbuf.buf[off + 1]);
    if (len < 12) abort();
    off += 2 + len;
  }
  if (off != nc.send_mbuf.len) abort();
  mbuf_free(&nc.recv_mbuf);
  mbuf_free(&nc.send_mbuf);
}

static void fz_name(const unsigned char *data, size_t size) {
  struct mbuf io;
  char name[256];
  size_t len = size, got;
  mbuf_init(&io, 0);
  mbuf_append(&io, "\0\0\0\0\0\1\0\0\0\0\0\0", 12);
  if (mg_dns_encode_name(&io, (const char *) data, size) > 0) {
    mbuf_append(&io, "\0\1\0\1", 4);
    if (mg_parse_dns(io.buf, (int) io.len, &s_msg) != 0) abort();
    got = mg_dns_uncompress_name(&s_msg, &s_msg.questions[0].name, name,
                                 sizeof(name));
    if (len > 0 && data[len - 1] == '.') len--;
    if (got != len || memcmp(name, data, len) != 0) abort();
  }
  mbuf_free(&io);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  if (data[0] % 3 == 0) fz_parse(data + 1, size - 1);
  if (data[0] % 3 == 1) fz_stream(data + 1, size - 1);
  if (data[0] % 3 == 2) fz_name(data + 1, size - 1);
  return 0;
}
