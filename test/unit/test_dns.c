// Unit tests for src/dns.c and src/dns_server.c: the parser on good and
// hostile messages, the encoders byte for byte, encode -> parse round
// trips, replies (EDNS, BADVERS, TC, TCP framing) and the protocol handler
// driven on a connection without a socket. Includes mongoose.c to reach
// the internal helpers and the static handler.
#include "../../mongoose.c"  // First: it sets the feature-test macros

#include <setjmp.h>

#include <cmocka.h>

// A query for www.example.com A, id 0x1234, RD.
static const unsigned char s_query[] = {
    0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    3,    'w',  'w',  'w',  7,    'e',  'x',  'a',  'm',  'p',  'l',  'e',
    3,    'c',  'o',  'm',  0,    0x00, 0x01, 0x00, 0x01};

// A message under construction: bytes appended by the tests.
struct pkt {
  unsigned char b[4096];
  size_t n;
};

static void put(struct pkt *p, const void *data, size_t n) {
  assert_true(p->n + n <= sizeof(p->b));
  memcpy(p->b + p->n, data, n);
  p->n += n;
}

static void put16(struct pkt *p, unsigned v) {
  unsigned char b[2] = {(unsigned char) (v >> 8), (unsigned char) v};
  put(p, b, 2);
}

static void put32(struct pkt *p, unsigned long v) {
  put16(p, (unsigned) (v >> 16) & 0xffff);
  put16(p, (unsigned) v & 0xffff);
}

static void header(struct pkt *p, unsigned id, unsigned flags, unsigned qd,
                   unsigned an, unsigned ns, unsigned ar) {
  p->n = 0;
  put16(p, id), put16(p, flags), put16(p, qd), put16(p, an), put16(p, ns);
  put16(p, ar);
}

static void ptr(struct pkt *p, size_t off) {
  put16(p, 0xc000 | (unsigned) off);
}

static void rr_tail(struct pkt *p, unsigned type, unsigned long ttl,
                    const void *rdata, size_t rlen) {
  put16(p, type), put16(p, 1), put32(p, ttl), put16(p, (unsigned) rlen);
  put(p, rdata, rlen);
}

static int parse(const struct pkt *p, struct mg_dns_message *msg) {
  return mg_parse_dns((const char *) p->b, (int) p->n, msg);
}

static struct mg_dns_message s_msg;  // Too big for a comfortable stack

// The reply to s_query: the question, then one A answer pointing at it.
static void reply_pkt(struct pkt *p) {
  static const unsigned char addr[4] = {10, 1, 2, 3};
  header(p, 0x1234, 0x8180, 1, 1, 0, 0);
  put(p, s_query + 12, sizeof(s_query) - 12);
  ptr(p, 12);
  rr_tail(p, MG_DNS_A_RECORD, 3600, addr, 4);
}

// ---- Parser ---------------------------------------------------------------

static void test_dns_parse_query(void **state) {
  char name[256];
  (void) state;
  assert_int_equal(mg_parse_dns((const char *) s_query, sizeof(s_query),
                                &s_msg),
                   0);
  assert_int_equal(s_msg.transaction_id, 0x1234);
  assert_int_equal(s_msg.flags, 0x0100);
  assert_int_equal(s_msg.num_questions, 1);
  assert_int_equal(s_msg.num_answers, 0);
  assert_int_equal(s_msg.questions[0].rtype, MG_DNS_A_RECORD);
  assert_int_equal(s_msg.questions[0].rclass, 1);
  assert_int_equal(s_msg.questions[0].kind, MG_DNS_QUESTION);
  assert_int_equal(s_msg.questions[0].name.len, 17);
  assert_ptr_equal(s_msg.questions[0].name.p, (const char *) s_query + 12);
  assert_int_equal(s_msg.pkt.len, sizeof(s_query));
  assert_int_equal(mg_dns_uncompress_name(&s_msg, &s_msg.questions[0].name,
                                          name, sizeof(name)),
                   15);
  assert_string_equal(name, "www.example.com");
}

static void test_dns_parse_reply_with_compressed_a(void **state) {
  struct pkt p;
  struct in_addr ia;
  char name[256];
  struct mg_dns_resource_record *rr;
  (void) state;
  reply_pkt(&p);
  assert_int_equal(parse(&p, &s_msg), 0);
  assert_int_equal(s_msg.num_answers, 1);
  rr = &s_msg.answers[0];
  assert_int_equal(rr->kind, MG_DNS_ANSWER);
  assert_int_equal(rr->ttl, 3600);
  assert_int_equal(rr->name.len, 2);
  assert_int_equal(rr->rdata.len, 4);
  assert_int_equal(mg_dns_uncompress_name(&s_msg, &rr->name, name, 256), 15);
  assert_string_equal(name, "www.example.com");
  assert_int_equal(mg_dns_parse_record_data(&s_msg, rr, &ia, sizeof(ia)), 0);
  assert_int_equal(ntohl(ia.s_addr), 0x0a010203);
  assert_ptr_equal(mg_dns_next_record(&s_msg, MG_DNS_A_RECORD, NULL), rr);
  assert_null(mg_dns_next_record(&s_msg, MG_DNS_A_RECORD, rr));
  assert_null(mg_dns_next_record(&s_msg, MG_DNS_AAAA_RECORD, NULL));
}

static void test_dns_parse_record_data_names_and_aaaa(void **state) {
  static const unsigned char v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                       0,    0,    0,    0,    0, 0, 0, 1};
  struct pkt p;
  struct in6_addr a6;
  struct in_addr a4;
  char name[256];
  unsigned char rd[32];
  size_t rd_at;
  (void) state;
  header(&p, 1, 0x8180, 1, 4, 0, 0);
  put(&p, s_query + 12, sizeof(s_query) - 12);
  // CNAME: "cdn." + pointer to "example.com" inside the question.
  ptr(&p, 12);
  put16(&p, MG_DNS_CNAME_RECORD), put16(&p, 1), put32(&p, 60), put16(&p, 6);
  rd_at = p.n;
  put(&p, "\x03" "cdn", 4);
  ptr(&p, 16);
  // PTR and NS with uncompressed names, AAAA.
  memcpy(rd, "\x02ns\x03org\x00", 8);
  ptr(&p, 12), rr_tail(&p, MG_DNS_PTR_RECORD, 1, rd, 8);
  ptr(&p, 12), rr_tail(&p, MG_DNS_NS_RECORD, 1, rd, 8);
  ptr(&p, 12), rr_tail(&p, MG_DNS_AAAA_RECORD, 1, v6, 16);
  assert_int_equal(parse(&p, &s_msg), 0);
  assert_int_equal(s_msg.num_answers, 4);
  assert_ptr_equal(s_msg.answers[0].rdata.p, (const char *) p.b + rd_at);
  assert_int_equal(mg_dns_parse_record_data(&s_msg, &s_msg.answers[0], name,
                                            sizeof(name)),
                   0);
  assert_string_equal(name, "cdn.example.com");
  assert_int_equal(mg_dns_parse_record_data(&s_msg, &s_msg.answers[1], name,
                                            sizeof(name)),
                   0);
  assert_string_equal(name, "ns.org");
  assert_int_equal(mg_dns_parse_record_data(&s_msg, &s_msg.answers[2], name,
                                            sizeof(name)),
                   0);
  assert_string_equal(name, "ns.org");
  assert_int_equal(mg_dns_parse_record_data(&s_msg, &s_msg.answers[3], &a6,
                                            sizeof(a6)),
                   0);
  assert_memory_equal(&a6, v6, 16);
  // Wrong sizes and types.
  assert_int_equal(mg_dns_parse_record_data(&s_msg, &s_msg.answers[3], &a4,
                                            sizeof(a4)),
                   -1);
  assert_int_equal(
      mg_dns_parse_record_data(&s_msg, &s_msg.answers[0], name, 15), -1);
  assert_string_equal(name, "");
  assert_int_equal(
      mg_dns_parse_record_data(&s_msg, &s_msg.answers[0], name, 16), 0);
  s_msg.answers[1].rtype = MG_DNS_MX_RECORD;
  assert_int_equal(mg_dns_parse_record_data(&s_msg, &s_msg.answers[1], name,
                                            sizeof(name)),
                   -1);
}

static void test_dns_parse_record_data_rejects_bad_rdata(void **state) {
  struct pkt p;
  struct in_addr ia;
  char name[64];
  (void) state;
  header(&p, 1, 0x8180, 0, 2, 0, 0);
  put(&p, "\x01x\x00", 3), rr_tail(&p, MG_DNS_A_RECORD, 1, "\1\2\3\4\5", 5);
  // A CNAME whose name ends before its RDATA does: trailing junk.
  put(&p, "\x01x\x00", 3), rr_tail(&p, MG_DNS_CNAME_RECORD, 1, "\x01y\x00!", 4);
  assert_int_equal(parse(&p, &s_msg), 0);
  assert_int_equal(s_msg.num_answers, 2);
  assert_int_equal(mg_dns_parse_record_data(&s_msg, &s_msg.answers[0], &ia,
                                            sizeof(ia)),
                   -1);
  assert_int_equal(mg_dns_parse_record_data(&s_msg, &s_msg.answers[1], name,
                                            sizeof(name)),
                   -1);
  assert_int_equal(mg_dns_parse_record_data(&s_msg, &s_msg.answers[1], NULL,
                                            sizeof(name)),
                   -1);
}

static void test_dns_parse_truncated_header_rejected(void **state) {
  (void) state;
  assert_int_equal(mg_parse_dns((const char *) s_query, 11, &s_msg), -1);
  assert_int_equal(mg_parse_dns((const char *) s_query, 0, &s_msg), -1);
  assert_int_equal(mg_parse_dns((const char *) s_query, -5, &s_msg), -1);
  assert_int_equal(mg_parse_dns(NULL, 40, &s_msg), -1);
  // A header alone, with no records announced, is a message.
  assert_int_equal(mg_parse_dns("\0\1\0\0\0\0\0\0\0\0\0\0", 12, &s_msg), 0);
  assert_int_equal(s_msg.transaction_id, 1);
}

static void test_dns_parse_pointer_to_itself_rejected(void **state) {
  struct pkt p;
  (void) state;
  header(&p, 1, 0, 1, 0, 0, 0);
  ptr(&p, 12);
  put16(&p, 1), put16(&p, 1);
  assert_int_equal(parse(&p, &s_msg), -1);
}

static void test_dns_parse_pointer_loop_rejected(void **state) {
  struct pkt p;
  (void) state;
  // "a" then a pointer back to that same "a": a -> a -> a ...
  header(&p, 1, 0, 1, 0, 0, 0);
  put(&p, "\x01" "a", 2);
  ptr(&p, 12);
  put16(&p, 1), put16(&p, 1);
  assert_int_equal(parse(&p, &s_msg), -1);
  // Two names pointing at each other: the second points back (allowed),
  // the first forward (refused), so the loop cannot close.
  header(&p, 1, 0, 2, 0, 0, 0);
  put(&p, "\x01" "a", 2), ptr(&p, 20), put16(&p, 1), put16(&p, 1);
  put(&p, "\x01" "b", 2), ptr(&p, 12), put16(&p, 1), put16(&p, 1);
  assert_int_equal(p.n, 28);
  assert_int_equal(parse(&p, &s_msg), -1);
}

static void test_dns_parse_forward_pointer_rejected(void **state) {
  struct pkt p;
  (void) state;
  header(&p, 1, 0, 1, 0, 0, 0);
  ptr(&p, 18);
  put16(&p, 1), put16(&p, 1);
  put(&p, "\x01" "a\x00", 3);
  assert_int_equal(parse(&p, &s_msg), -1);
}

static void test_dns_parse_pointer_target_past_own_start_rejected(void **s) {
  struct pkt p;
  (void) s;
  // Question 1: the root, type 6. Question 2: a pointer to the 0x06 byte,
  // read as a 6-byte label that runs over question 2's own bytes.
  header(&p, 1, 0, 2, 0, 0, 0);
  put(&p, "\x00\x00\x06\x00\x01", 5);
  ptr(&p, 14), put16(&p, 1), put16(&p, 1);
  assert_int_equal(parse(&p, &s_msg), -1);
  // The same pointer to a label that ends in time is fine.
  p.b[14] = 1, p.b[16] = 0;  // A 1-byte label, then the root
  assert_int_equal(parse(&p, &s_msg), 0);
  assert_int_equal(s_msg.num_questions, 2);
}

static void test_dns_parse_pointer_into_header_rejected(void **state) {
  struct pkt p;
  (void) state;
  header(&p, 1, 0x0100, 1, 0, 0, 0);
  ptr(&p, 3);  // flags low byte 0x00: would read as the root
  put16(&p, 1), put16(&p, 1);
  assert_int_equal(parse(&p, &s_msg), -1);
}

static void test_dns_parse_reserved_label_types_rejected(void **state) {
  struct pkt p;
  (void) state;
  header(&p, 1, 0, 1, 0, 0, 0);
  put(&p, "\x41" "a\x00", 3);  // 01xxxxxx: extended label (obsolete)
  put16(&p, 1), put16(&p, 1);
  assert_int_equal(parse(&p, &s_msg), -1);
  p.b[12] = 0x81;  // 10xxxxxx: reserved
  assert_int_equal(parse(&p, &s_msg), -1);
}

// A question whose name has labels of the given lengths.
static void name_question(struct pkt *p, const int *labels, int n) {
  unsigned char lab[65];
  int i;
  header(p, 1, 0, 1, 0, 0, 0);
  memset(lab + 1, 'x', 64);
  for (i = 0; i < n; i++) {
    lab[0] = (unsigned char) labels[i];
    put(p, lab, (size_t) labels[i] + 1);
  }
  put(p, "", 1);
  put16(p, 1), put16(p, 1);
}

static void test_dns_parse_label_64_rejected(void **state) {
  struct pkt p;
  int l63[] = {63}, l64[] = {64};
  (void) state;
  name_question(&p, l63, 1);
  assert_int_equal(parse(&p, &s_msg), 0);
  name_question(&p, l64, 1);
  assert_int_equal(parse(&p, &s_msg), -1);
}

static void test_dns_parse_name_256_rejected(void **state) {
  struct pkt p;
  int l255[] = {63, 63, 63, 61}, l256[] = {63, 63, 63, 62};
  char name[300];
  (void) state;
  name_question(&p, l255, 4);  // 64 * 3 + 62 + 1 = 255 bytes encoded
  assert_int_equal(parse(&p, &s_msg), 0);
  assert_int_equal(mg_dns_uncompress_name(&s_msg, &s_msg.questions[0].name,
                                          name, sizeof(name)),
                   253);
  // Exactly fits (253 + NUL), one byte less does not.
  assert_int_equal(mg_dns_uncompress_name(&s_msg, &s_msg.questions[0].name,
                                          name, 254),
                   253);
  assert_int_equal(mg_dns_uncompress_name(&s_msg, &s_msg.questions[0].name,
                                          name, 253),
                   0);
  assert_string_equal(name, "");
  name_question(&p, l256, 4);
  assert_int_equal(parse(&p, &s_msg), -1);
}

static void test_dns_parse_name_256_through_pointers_rejected(void **state) {
  struct pkt p;
  unsigned char lab[64];
  (void) state;
  // Question 1: 63+63+63 labels (192 bytes + root); question 2: a 62-byte
  // label, then a pointer to question 1: 63 + 193 = 256 bytes.
  memset(lab + 1, 'y', 63);
  header(&p, 1, 0, 2, 0, 0, 0);
  lab[0] = 63;
  put(&p, lab, 64), put(&p, lab, 64), put(&p, lab, 64), put(&p, "", 1);
  put16(&p, 1), put16(&p, 1);
  lab[0] = 62;
  put(&p, lab, 63), ptr(&p, 12), put16(&p, 1), put16(&p, 1);
  assert_int_equal(parse(&p, &s_msg), -1);
  p.b[12 + 193 + 4] = 61;  // 61-byte label: 255 bytes, accepted
  memmove(p.b + 12 + 197 + 62, p.b + 12 + 197 + 63, p.n - (12 + 197 + 63));
  p.n--;
  assert_int_equal(parse(&p, &s_msg), 0);
  assert_int_equal(s_msg.num_questions, 2);
}

// n questions: "a", then each "b" + a pointer to the one before, so the
// k-th question's name takes k pointer hops.
static void chain(struct pkt *p, int n) {
  size_t prev = 12;
  int k;
  header(p, 1, 0, (unsigned) n, 0, 0, 0);
  put(p, "\x01" "a\x00", 3), put16(p, 1), put16(p, 1);
  for (k = 1; k < n; k++) {
    size_t here = p->n;
    put(p, "\x01" "b", 2), ptr(p, prev), put16(p, 1), put16(p, 1);
    prev = here;
  }
}

static void test_dns_parse_max_hop_chain(void **state) {
  struct pkt p;
  char name[256];
  (void) state;
  assert_true(MG_MAX_DNS_POINTER_HOPS + 2 <= MG_MAX_DNS_QUESTIONS);
  chain(&p, MG_MAX_DNS_POINTER_HOPS + 1);  // The last: exactly the limit
  assert_int_equal(parse(&p, &s_msg), 0);
  assert_int_equal(s_msg.num_questions, MG_MAX_DNS_POINTER_HOPS + 1);
  mg_dns_uncompress_name(
      &s_msg, &s_msg.questions[MG_MAX_DNS_POINTER_HOPS].name, name, 256);
  assert_int_equal(strlen(name), 2 * MG_MAX_DNS_POINTER_HOPS + 1);
  chain(&p, MG_MAX_DNS_POINTER_HOPS + 2);  // One hop too many
  assert_int_equal(parse(&p, &s_msg), -1);
}

static void test_dns_parse_counts_beyond_packet(void **state) {
  struct pkt p;
  (void) state;
  // 5 answers announced, 1 there: the one is parsed.
  reply_pkt(&p);
  p.b[7] = 5;
  assert_int_equal(parse(&p, &s_msg), 0);
  assert_int_equal(s_msg.num_answers, 1);
  // 65535 questions announced, 1 there: malformed.
  memcpy(p.b, s_query, sizeof(s_query));
  p.n = sizeof(s_query);
  p.b[4] = p.b[5] = 0xff;
  assert_int_equal(parse(&p, &s_msg), -1);
}

static void test_dns_parse_truncated_rr_keeps_earlier_answers(void **state) {
  struct pkt p;
  size_t full, i;
  (void) state;
  reply_pkt(&p);
  ptr(&p, 12), rr_tail(&p, MG_DNS_A_RECORD, 7, "\5\6\7\10", 4);
  p.b[7] = 2;
  full = p.n;
  assert_int_equal(parse(&p, &s_msg), 0);
  assert_int_equal(s_msg.num_answers, 2);
  // Every cut inside the second answer keeps the first one.
  for (i = full - 1; i >= full - 14; i--) {
    p.n = i;
    assert_int_equal(parse(&p, &s_msg), 0);
    assert_int_equal(s_msg.num_answers, 1);
  }
  // Every cut inside the question is malformed.
  for (i = 12; i < sizeof(s_query); i++) {
    p.n = i;
    assert_int_equal(parse(&p, &s_msg), -1);
  }
}

static void test_dns_parse_compression_across_sections(void **state) {
  struct pkt p;
  char name[256];
  (void) state;
  // An answer for "cdn" + "example.com" of the question (offset 16).
  header(&p, 1, 0x8180, 1, 1, 0, 0);
  put(&p, s_query + 12, sizeof(s_query) - 12);
  put(&p, "\x03" "cdn", 4), ptr(&p, 16);
  rr_tail(&p, MG_DNS_A_RECORD, 1, "\1\2\3\4", 4);
  assert_int_equal(parse(&p, &s_msg), 0);
  assert_int_equal(s_msg.answers[0].name.len, 6);
  mg_dns_uncompress_name(&s_msg, &s_msg.answers[0].name, name, sizeof(name));
  assert_string_equal(name, "cdn.example.com");
}

static void test_dns_parse_counts_above_limits_truncated(void **state) {
  struct pkt p;
  int i, n = MG_MAX_DNS_QUESTIONS + 8;
  (void) state;
  header(&p, 1, 0x8180, (unsigned) n, (unsigned) n, 0, 0);
  for (i = 0; i < n; i++) put(&p, "\x01q\x00\x00\x01\x00\x01", 7);
  for (i = 0; i < n; i++) ptr(&p, 12), rr_tail(&p, 1, 1, "\1\2\3\4", 4);
  assert_int_equal(parse(&p, &s_msg), 0);
  assert_int_equal(s_msg.num_questions, MG_MAX_DNS_QUESTIONS);
  assert_int_equal(s_msg.num_answers, MG_MAX_DNS_ANSWERS);
  // The answers were found after all the questions, not the first 32.
  assert_ptr_equal(s_msg.answers[0].name.p, (const char *) p.b + 12 + 7 * n);
}

static void test_dns_parse_large_ttl_reads_as_zero(void **state) {
  struct pkt p;
  (void) state;
  header(&p, 1, 0x8180, 0, 1, 0, 0);
  put(&p, "", 1), rr_tail(&p, 1, 0x80000000UL, "\1\2\3\4", 4);
  assert_int_equal(parse(&p, &s_msg), 0);
  assert_int_equal(s_msg.answers[0].ttl, 0);
}

static void test_dns_uncompress_name_edges(void **state) {
  struct mg_str outside = mg_mk_str("\x01" "a");
  char name[8] = "junk";
  (void) state;
  assert_int_equal(mg_parse_dns((const char *) s_query, sizeof(s_query),
                                &s_msg),
                   0);
  assert_int_equal(mg_dns_uncompress_name(&s_msg, &outside, name, 8), 0);
  assert_string_equal(name, "");
  assert_int_equal(mg_dns_uncompress_name(&s_msg, &s_msg.questions[0].name,
                                          name, sizeof(name)),
                   0);  // Does not fit
  assert_int_equal(mg_dns_uncompress_name(&s_msg, &s_msg.questions[0].name,
                                          name, 0),
                   0);
  assert_int_equal(mg_dns_uncompress_name(&s_msg, &s_msg.questions[0].name,
                                          NULL, 100),
                   0);
}

static void test_dns_next_record_filters_by_type(void **state) {
  struct pkt p;
  struct mg_dns_resource_record *rr, foreign;
  int i, n = 0;
  (void) state;
  header(&p, 1, 0x8180, 0, 5, 0, 0);
  for (i = 0; i < 5; i++) {
    put(&p, "", 1);
    rr_tail(&p, i % 2 ? MG_DNS_AAAA_RECORD : MG_DNS_A_RECORD, 1, "\1\2\3\4",
            4);
  }
  assert_int_equal(parse(&p, &s_msg), 0);
  for (rr = mg_dns_next_record(&s_msg, MG_DNS_A_RECORD, NULL); rr != NULL;
       rr = mg_dns_next_record(&s_msg, MG_DNS_A_RECORD, rr)) {
    assert_int_equal(rr - s_msg.answers, 2 * n);
    n++;
  }
  assert_int_equal(n, 3);
  assert_null(mg_dns_next_record(&s_msg, MG_DNS_A_RECORD, &foreign));
}

// ---- Encoders ---------------------------------------------------------------

static void test_dns_encode_name_bytes(void **state) {
  struct mbuf io;
  (void) state;
  mbuf_init(&io, 0);
  assert_int_equal(mg_dns_encode_name(&io, "www.example.com", 15), 17);
  assert_memory_equal(io.buf, s_query + 12, 17);
  mbuf_clear(&io);
  assert_int_equal(mg_dns_encode_name(&io, "www.example.com.", 16), 17);
  assert_memory_equal(io.buf, s_query + 12, 17);
  mbuf_clear(&io);
  assert_int_equal(mg_dns_encode_name_s(&io, mg_mk_str("example.com")), 13);
  assert_memory_equal(io.buf, s_query + 16, 13);
  mbuf_clear(&io);
  assert_int_equal(mg_dns_encode_name(&io, "", 0), 1);
  assert_int_equal(mg_dns_encode_name(&io, ".", 1), 1);
  assert_memory_equal(io.buf, "\0\0", 2);
  mbuf_free(&io);
}

static void test_dns_encode_name_rejects_bad_names(void **state) {
  static const char *bad[] = {"a..b", ".a", "a..", "..", "a.b.."};
  char name[300];
  struct mbuf io;
  size_t i;
  (void) state;
  mbuf_init(&io, 0);
  mbuf_append(&io, "keep", 4);
  for (i = 0; i < MG_ARRAY_SIZE(bad); i++) {
    assert_int_equal(mg_dns_encode_name(&io, bad[i], strlen(bad[i])), -1);
    assert_int_equal(io.len, 4);
  }
  memset(name, 'x', sizeof(name));
  assert_int_equal(mg_dns_encode_name(&io, name, 63), 65);
  io.len = 4;
  assert_int_equal(mg_dns_encode_name(&io, name, 64), -1);
  assert_int_equal(io.len, 4);
  // 63.63.63.61: 253 characters, 255 bytes encoded; one more is too long.
  name[63] = name[127] = name[191] = '.';
  assert_int_equal(mg_dns_encode_name(&io, name, 253), 255);
  io.len = 4;
  assert_int_equal(mg_dns_encode_name(&io, name, 254), -1);
  assert_int_equal(io.len, 4);
  mbuf_free(&io);
}

static void test_dns_encode_record_bytes(void **state) {
  static const unsigned char answer[] = {
      1, 'a', 0, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 10, 1, 2, 3};
  static const unsigned char cname[] = {
      1, 'a', 0, 0, 5,   0,   1,   0, 0, 0, 60, 0,
      7, 3,   'c', 'd', 'n', 1,   'b', 0};
  struct mg_dns_resource_record rr;
  struct mbuf io;
  char big[70000];
  (void) state;
  mbuf_init(&io, 0);
  memset(&rr, 0, sizeof(rr));
  rr.rtype = MG_DNS_A_RECORD, rr.rclass = 1, rr.kind = MG_DNS_QUESTION;
  assert_int_equal(mg_dns_encode_record(&io, &rr, "a", 1, NULL, 0), 7);
  assert_memory_equal(io.buf, answer, 7);
  mbuf_clear(&io);
  rr.kind = MG_DNS_ANSWER, rr.ttl = 3600;
  assert_int_equal(mg_dns_encode_record(&io, &rr, "a", 1, "\x0a\x01\x02\x03",
                                        4),
                   (int) sizeof(answer));
  assert_memory_equal(io.buf, answer, sizeof(answer));
  mbuf_clear(&io);
  rr.rtype = MG_DNS_CNAME_RECORD, rr.ttl = 60;
  assert_int_equal(mg_dns_encode_record(&io, &rr, "a", 1, "cdn.b", 5),
                   (int) sizeof(cname));
  assert_memory_equal(io.buf, cname, sizeof(cname));
  // Failures leave io as it was.
  assert_int_equal(mg_dns_encode_record(&io, &rr, "a", 1, "bad..name", 9), -1);
  rr.rtype = MG_DNS_TXT_RECORD;
  memset(big, 'x', sizeof(big));
  assert_int_equal(mg_dns_encode_record(&io, &rr, "a", 1, big, 65536), -1);
  assert_int_equal(mg_dns_encode_record(&io, &rr, "a..", 3, "x", 1), -1);
  assert_int_equal(io.len, sizeof(cname));
  assert_int_equal(mg_dns_encode_record(&io, &rr, "a", 1, big, 65535),
                   7 + 6 + 65535);
  mbuf_free(&io);
}

static void test_dns_insert_header_bytes(void **state) {
  static const unsigned char want[] = {0xab, 0xcd, 0x81, 0x80, 0, 2, 0, 3,
                                       0,    0,    0,    0,    'x'};
  struct mbuf io;
  (void) state;
  memset(&s_msg, 0, sizeof(s_msg));
  s_msg.transaction_id = 0xabcd, s_msg.flags = 0x8180;
  s_msg.num_questions = 2, s_msg.num_answers = 3;
  mbuf_init(&io, 0);
  mbuf_append(&io, "x", 1);
  assert_int_equal(mg_dns_insert_header(&io, 0, &s_msg), 12);
  assert_int_equal(io.len, 13);
  assert_memory_equal(io.buf, want, sizeof(want));
  assert_int_equal(mg_dns_insert_header(&io, 14, &s_msg), -1);
  assert_int_equal(io.len, 13);
  mbuf_free(&io);
}

static void test_dns_copy_questions_repeats_question_section(void **state) {
  struct pkt p;
  struct mbuf io;
  (void) state;
  reply_pkt(&p);
  assert_int_equal(parse(&p, &s_msg), 0);
  mbuf_init(&io, 0);
  assert_int_equal(mg_dns_copy_questions(&io, &s_msg),
                   (int) sizeof(s_query) - 12);
  assert_memory_equal(io.buf, s_query + 12, sizeof(s_query) - 12);
  s_msg.num_questions = 0;
  assert_int_equal(mg_dns_copy_questions(&io, &s_msg), 0);
  mbuf_free(&io);
}

static void test_dns_encode_parse_round_trip(void **state) {
  static const unsigned char v6[16] = {0xfe, 0x80, 1, 2, 3, 4, 5, 6,
                                       7,    8,    9, 10, 11, 12, 13, 14};
  struct mg_dns_resource_record rr;
  struct mbuf io;
  struct in_addr a4;
  struct in6_addr a6;
  char name[256];
  (void) state;
  mbuf_init(&io, 0);
  memset(&rr, 0, sizeof(rr));
  rr.rclass = 1, rr.kind = MG_DNS_QUESTION, rr.rtype = MG_DNS_ANY_RECORD;
  assert_true(mg_dns_encode_record(&io, &rr, "host.lan", 8, NULL, 0) > 0);
  rr.kind = MG_DNS_ANSWER, rr.ttl = 0x7fffffff;
  rr.rtype = MG_DNS_A_RECORD;
  assert_true(mg_dns_encode_record(&io, &rr, "host.lan", 8, "\x7f\0\0\1", 4) >
              0);
  rr.rtype = MG_DNS_AAAA_RECORD, rr.ttl = 5;
  assert_true(mg_dns_encode_record(&io, &rr, "host.lan", 8, v6, 16) > 0);
  rr.rtype = MG_DNS_PTR_RECORD;
  assert_true(mg_dns_encode_record(&io, &rr, "1.0.0.127.in-addr.arpa", 22,
                                   "host.lan.", 9) > 0);
  rr.rtype = MG_DNS_TXT_RECORD;
  assert_true(mg_dns_encode_record(&io, &rr, "t", 1, "\x05hello", 6) > 0);
  memset(&s_msg, 0, sizeof(s_msg));
  s_msg.transaction_id = 77, s_msg.flags = 0x8400;
  s_msg.num_questions = 1, s_msg.num_answers = 4;
  assert_int_equal(mg_dns_insert_header(&io, 0, &s_msg), 12);

  assert_int_equal(mg_parse_dns(io.buf, (int) io.len, &s_msg), 0);
  assert_int_equal(s_msg.transaction_id, 77);
  assert_int_equal(s_msg.flags, 0x8400);
  assert_int_equal(s_msg.num_questions, 1);
  assert_int_equal(s_msg.num_answers, 4);
  assert_int_equal(s_msg.questions[0].rtype, MG_DNS_ANY_RECORD);
  assert_int_equal(s_msg.answers[0].ttl, 0x7fffffff);
  assert_int_equal(mg_dns_parse_record_data(&s_msg, &s_msg.answers[0], &a4,
                                            sizeof(a4)),
                   0);
  assert_int_equal(ntohl(a4.s_addr), 0x7f000001);
  assert_int_equal(mg_dns_parse_record_data(&s_msg, &s_msg.answers[1], &a6,
                                            sizeof(a6)),
                   0);
  assert_memory_equal(&a6, v6, 16);
  assert_int_equal(mg_dns_parse_record_data(&s_msg, &s_msg.answers[2], name,
                                            sizeof(name)),
                   0);
  assert_string_equal(name, "host.lan");
  mg_dns_uncompress_name(&s_msg, &s_msg.answers[2].name, name, sizeof(name));
  assert_string_equal(name, "1.0.0.127.in-addr.arpa");
  assert_int_equal(s_msg.answers[3].rdata.len, 6);
  assert_memory_equal(s_msg.answers[3].rdata.p, "\x05hello", 6);
  mbuf_free(&io);
}

static void test_dns_build_query_bytes(void **state) {
  struct mbuf io;
  uint16_t a, b, c;
  (void) state;
  mbuf_init(&io, 0);
  assert_int_equal(mg_dns_build_query(&io, 0x1234, mg_mk_str("www.example.com"),
                                      MG_DNS_A_RECORD, 0),
                   (int) sizeof(s_query));
  assert_memory_equal(io.buf, s_query, sizeof(s_query));
  mbuf_clear(&io);
  assert_int_equal(mg_dns_build_query(&io, 0x1234, mg_mk_str("www.example.com"),
                                      MG_DNS_A_RECORD, 1),
                   (int) sizeof(s_query) + 2);
  assert_memory_equal(io.buf, "\x00\x21", 2);
  assert_memory_equal(io.buf + 2, s_query, sizeof(s_query));
  assert_int_equal(mg_dns_build_query(&io, 1, mg_mk_str("a..b"), 1, 1), -1);
  assert_int_equal(io.len, sizeof(s_query) + 2);
  a = mg_dns_random_id(), b = mg_dns_random_id(), c = mg_dns_random_id();
  assert_false(a == b && b == c);
  mbuf_free(&io);
}

// A query like dig's: s_query plus an OPT record (payload 4096, version
// version, DO set) with a cookie option.
static void edns_query(struct pkt *p, int version) {
  memcpy(p->b, s_query, sizeof(s_query));
  p->n = sizeof(s_query);
  p->b[11] = 1;
  put(p, "", 1), put16(p, MG_DNS_OPT_RECORD), put16(p, 4096);
  put16(p, (unsigned) version), put16(p, 0x8000), put16(p, 12);
  put16(p, 10), put16(p, 8), put(p, "cookie!!", 8);
}

static void test_dns_find_edns(void **state) {
  struct pkt p;
  struct mg_dns_edns e;
  (void) state;
  edns_query(&p, 0);
  assert_int_equal(parse(&p, &s_msg), 0);
  assert_int_equal(mg_dns_find_edns(&s_msg, &e), 1);
  assert_int_equal(e.udp_size, 4096);
  assert_int_equal(e.version, 0);
  assert_int_equal(e.ext_rcode, 0);
  assert_int_equal(e.flags, 0x8000);
  assert_int_equal(mg_parse_dns((const char *) s_query, sizeof(s_query),
                                &s_msg),
                   0);
  assert_int_equal(mg_dns_find_edns(&s_msg, &e), 0);
  // An OPT record whose owner is not the root is malformed.
  edns_query(&p, 0);
  memmove(p.b + sizeof(s_query) + 2, p.b + sizeof(s_query) + 1, 22);
  memcpy(p.b + sizeof(s_query), "\xc0\x0c", 2);
  p.n += 1;
  assert_int_equal(parse(&p, &s_msg), 0);
  assert_int_equal(mg_dns_find_edns(&s_msg, &e), -1);
}

// ---- Server replies ---------------------------------------------------------

static struct mg_mgr s_mgr;
static struct mg_connection s_nc, s_listener;

static void fake_conn(int udp) {
  memset(&s_nc, 0, sizeof(s_nc));
  s_nc.mgr = &s_mgr;
  s_nc.flags = udp ? MG_F_UDP : 0;
  s_nc.listener = &s_listener;
  mbuf_init(&s_nc.recv_mbuf, 0);
  mbuf_init(&s_nc.send_mbuf, 0);
}

static void fake_free(void) {
  mbuf_free(&s_nc.recv_mbuf);
  mbuf_free(&s_nc.send_mbuf);
}

// Answers every question of msg with an A record, through a buffer of our
// own (as 6.x's captive_dns_server does) or nc->send_mbuf.
static void answer_all(struct mg_dns_message *msg, int use_send_mbuf) {
  struct mbuf own;
  struct mg_dns_reply r;
  int i;
  mbuf_init(&own, 0);
  r = mg_dns_create_reply(use_send_mbuf ? &s_nc.send_mbuf : &own, msg);
  for (i = 0; i < msg->num_questions; i++) {
    assert_int_equal(mg_dns_reply_record(&r, &msg->questions[i], NULL,
                                         MG_DNS_A_RECORD, 3600, "\x0a\1\2\3",
                                         4),
                     0);
  }
  mg_dns_send_reply(&s_nc, &r);
  assert_int_equal(own.len, 0);
  mbuf_free(&own);
}

static void test_dns_reply_udp_bytes(void **state) {
  struct pkt want;
  unsigned char q[sizeof(s_query)];
  (void) state;
  memcpy(q, s_query, sizeof(q));
  q[3] = 0x20;  // AD asked: the reply clears it
  fake_conn(1);
  assert_int_equal(mg_parse_dns((const char *) q, sizeof(q), &s_msg), 0);
  answer_all(&s_msg, 0);
  header(&want, 0x1234, 0x8180, 1, 1, 0, 0);
  put(&want, s_query + 12, sizeof(s_query) - 12);
  put(&want, s_query + 12, 17);  // Answer names are not compressed
  rr_tail(&want, MG_DNS_A_RECORD, 3600, "\x0a\1\2\3", 4);
  assert_int_equal(s_nc.send_mbuf.len, want.n);
  assert_memory_equal(s_nc.send_mbuf.buf, want.b, want.n);
  fake_free();
}

static void test_dns_reply_tcp_has_length_prefix(void **state) {
  (void) state;
  fake_conn(0);
  mbuf_append(&s_nc.send_mbuf, "old", 3);
  assert_int_equal(mg_parse_dns((const char *) s_query, sizeof(s_query),
                                &s_msg),
                   0);
  answer_all(&s_msg, 1);
  assert_int_equal(s_nc.send_mbuf.len, 3 + 2 + 12 + 21 + 17 + 14);
  assert_memory_equal(s_nc.send_mbuf.buf, "old\x00\x40\x12\x34\x81\x80", 9);
  assert_int_equal(mg_parse_dns(s_nc.send_mbuf.buf + 5, 64, &s_msg), 0);
  assert_int_equal(s_msg.num_answers, 1);
  fake_free();
}

static void test_dns_reply_echoes_edns(void **state) {
  struct pkt p;
  const unsigned char *r;
  size_t n;
  (void) state;
  fake_conn(1);
  edns_query(&p, 0);
  assert_int_equal(parse(&p, &s_msg), 0);
  answer_all(&s_msg, 0);
  r = (const unsigned char *) s_nc.send_mbuf.buf;
  n = s_nc.send_mbuf.len;
  assert_int_equal(n, 12 + 21 + 31 + 11);
  assert_memory_equal(r + 6, "\0\1\0\0\0\1", 6);  // AN 1, NS 0, AR 1
  assert_memory_equal(r + n - 11, "\0\0\x29\x04\xd0\0\0\0\0\0\0", 11);
  assert_int_equal(mg_parse_dns((const char *) r, (int) n, &s_msg), 0);
  assert_int_equal(s_msg.flags & 0x000f, 0);
  fake_free();
}

static void test_dns_reply_other_edns_version_gets_badvers(void **state) {
  struct pkt p;
  const unsigned char *r;
  (void) state;
  fake_conn(1);
  edns_query(&p, 1);  // Version 1
  assert_int_equal(parse(&p, &s_msg), 0);
  answer_all(&s_msg, 0);
  r = (const unsigned char *) s_nc.send_mbuf.buf;
  assert_int_equal(s_nc.send_mbuf.len, 12 + 21 + 11);
  assert_memory_equal(r + 2, "\x81\x80\0\1\0\0\0\0\0\1", 10);
  // Extended rcode 1 (BADVERS = 16), version 0.
  assert_memory_equal(r + 12 + 21, "\0\0\x29\x04\xd0\x01\0\0\0\0\0", 11);
  fake_free();
}

static void test_dns_reply_too_big_for_udp_is_truncated(void **state) {
  struct pkt p;
  struct mg_dns_reply r;
  int i;
  (void) state;
  fake_conn(1);
  assert_int_equal(mg_parse_dns((const char *) s_query, sizeof(s_query),
                                &s_msg),
                   0);
  r = mg_dns_create_reply(&s_nc.send_mbuf, &s_msg);
  for (i = 0; i < 20; i++) {  // 20 * 31 bytes: over 512
    assert_int_equal(mg_dns_reply_record(&r, &s_msg.questions[0], NULL,
                                         MG_DNS_A_RECORD, 1, "\1\2\3\4", 4),
                     0);
  }
  mg_dns_send_reply(&s_nc, &r);
  assert_int_equal(s_nc.send_mbuf.len, sizeof(s_query));
  assert_memory_equal(s_nc.send_mbuf.buf, "\x12\x34\x83\x80\0\1\0\0", 8);
  // Over TCP the same reply goes out whole.
  fake_free();
  fake_conn(0);
  assert_int_equal(mg_parse_dns((const char *) s_query, sizeof(s_query),
                                &s_msg),
                   0);
  r = mg_dns_create_reply(&s_nc.send_mbuf, &s_msg);
  for (i = 0; i < 20; i++) {
    mg_dns_reply_record(&r, &s_msg.questions[0], "x", MG_DNS_A_RECORD, 1,
                        "\1\2\3\4", 4);
  }
  mg_dns_send_reply(&s_nc, &r);
  assert_int_equal(s_nc.send_mbuf.len, 2 + sizeof(s_query) + 20 * 17);
  (void) p;
  fake_free();
}

static void test_dns_reply_record_limit(void **state) {
  struct mg_dns_reply r;
  struct mbuf io;
  int i;
  (void) state;
  mbuf_init(&io, 0);
  assert_int_equal(mg_parse_dns((const char *) s_query, sizeof(s_query),
                                &s_msg),
                   0);
  r = mg_dns_create_reply(&io, &s_msg);
  for (i = 0; i < MG_MAX_DNS_ANSWERS; i++) {
    assert_int_equal(mg_dns_reply_record(&r, &s_msg.questions[0], "a", 1, 1,
                                         "\1\2\3\4", 4),
                     0);
  }
  assert_int_equal(mg_dns_reply_record(&r, &s_msg.questions[0], "a", 1, 1,
                                       "\1\2\3\4", 4),
                   -1);
  assert_int_equal(mg_dns_reply_record(&r, NULL, "a", 1, 1, "\1\2\3\4", 4),
                   -1);
  mbuf_free(&io);
}

// ---- The protocol handler ---------------------------------------------------

static int s_messages;
static uint16_t s_last_id;

static void user_handler(struct mg_connection *nc, int ev, void *ev_data) {
  (void) nc;
  if (ev == MG_DNS_MESSAGE) {
    s_messages++;
    s_last_id = ((struct mg_dns_message *) ev_data)->transaction_id;
  }
}

static void feed(const void *data, size_t n) {
  int k = (int) n;
  mbuf_append(&s_nc.recv_mbuf, data, n);
  s_nc.proto_handler(&s_nc, MG_EV_RECV, &k);
}

static void test_dns_handler_tcp_reassembles_and_splits(void **state) {
  struct mbuf io;
  size_t i;
  (void) state;
  fake_conn(0);
  s_messages = 0;
  s_nc.handler = user_handler;
  mg_set_protocol_dns(&s_nc);
  mbuf_init(&io, 0);
  mg_dns_build_query(&io, 1, mg_mk_str("a.example"), 1, 1);
  mg_dns_build_query(&io, 2, mg_mk_str("b.example"), 1, 1);
  mg_dns_build_query(&io, 3, mg_mk_str("c.example"), 1, 1);
  // One byte at a time through the first message, then the rest at once.
  for (i = 0; i < io.len / 3; i++) feed(io.buf + i, 1);
  assert_int_equal(s_messages, 1);
  assert_int_equal(s_last_id, 1);
  assert_int_equal(s_nc.recv_mbuf.len, 0);
  feed(io.buf + i, io.len - i);
  assert_int_equal(s_messages, 3);
  assert_int_equal(s_last_id, 3);
  assert_int_equal(s_nc.recv_mbuf.len, 0);
  assert_false(s_nc.flags & (MG_F_CLOSE_IMMEDIATELY | MG_F_SEND_AND_CLOSE));
  mbuf_free(&io);
  fake_free();
}

static void test_dns_handler_tcp_malformed_gets_formerr_and_close(void **s) {
  unsigned char m[2 + 14];
  (void) s;
  fake_conn(0);
  s_messages = 0;
  s_nc.handler = user_handler;
  mg_set_protocol_dns(&s_nc);
  memcpy(m, "\x00\x0e", 2);
  memcpy(m + 2, s_query, 14);  // Cut inside the question
  m[4] = 0x09;                 // Opcode 1, RD
  feed(m, sizeof(m));
  assert_int_equal(s_messages, 0);
  assert_true(s_nc.flags & MG_F_SEND_AND_CLOSE);
  assert_int_equal(s_nc.send_mbuf.len, 14);
  assert_memory_equal(s_nc.send_mbuf.buf,
                      "\x00\x0c\x12\x34\x89\x01\0\0\0\0\0\0\0\0", 14);
  fake_free();
  // A zero-length message on a client connection: dropped, closed.
  fake_conn(0);
  s_nc.listener = NULL;
  mg_set_protocol_dns(&s_nc);
  feed("\0\0", 2);
  assert_true(s_nc.flags & MG_F_CLOSE_IMMEDIATELY);
  assert_int_equal(s_nc.send_mbuf.len, 0);
  fake_free();
}

static void test_dns_handler_udp(void **state) {
  unsigned char r[sizeof(s_query)];
  (void) state;
  fake_conn(1);
  s_messages = 0;
  s_nc.handler = user_handler;
  mg_set_protocol_dns(&s_nc);
  feed(s_query, sizeof(s_query));
  assert_int_equal(s_messages, 1);
  assert_int_equal(s_nc.recv_mbuf.len, 0);
  // Malformed query: FORMERR; a malformed response: nothing.
  feed(s_query, 20);
  assert_int_equal(s_messages, 1);
  assert_int_equal(s_nc.send_mbuf.len, 12);
  assert_memory_equal(s_nc.send_mbuf.buf, "\x12\x34\x81\x01\0\0", 6);
  mbuf_clear(&s_nc.send_mbuf);
  memcpy(r, s_query, sizeof(r));
  r[2] |= 0x80;
  feed(r, 20);
  feed(r, 5);
  assert_int_equal(s_nc.send_mbuf.len, 0);
  assert_false(s_nc.flags & MG_F_CLOSE_IMMEDIATELY);
  fake_free();
}

static void test_dns_send_query_frames_by_transport(void **state) {
  (void) state;
  fake_conn(1);
  mg_send_dns_query(&s_nc, "www.example.com", MG_DNS_A_RECORD);
  assert_int_equal(s_nc.send_mbuf.len, sizeof(s_query));
  assert_memory_equal(s_nc.send_mbuf.buf + 2, s_query + 2,
                      sizeof(s_query) - 2);
  fake_free();
  fake_conn(0);
  mg_send_dns_query(&s_nc, "www.example.com", MG_DNS_A_RECORD);
  assert_int_equal(s_nc.send_mbuf.len, sizeof(s_query) + 2);
  assert_memory_equal(s_nc.send_mbuf.buf, "\x00\x21", 2);
  mbuf_clear(&s_nc.send_mbuf);
  mg_send_dns_query(&s_nc, "bad..name", MG_DNS_A_RECORD);
  mg_send_dns_query(&s_nc, NULL, MG_DNS_A_RECORD);
  assert_int_equal(s_nc.send_mbuf.len, 0);
  fake_free();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dns_parse_query),
      cmocka_unit_test(test_dns_parse_reply_with_compressed_a),
      cmocka_unit_test(test_dns_parse_record_data_names_and_aaaa),
      cmocka_unit_test(test_dns_parse_record_data_rejects_bad_rdata),
      cmocka_unit_test(test_dns_parse_truncated_header_rejected),
      cmocka_unit_test(test_dns_parse_pointer_to_itself_rejected),
      cmocka_unit_test(test_dns_parse_pointer_loop_rejected),
      cmocka_unit_test(test_dns_parse_forward_pointer_rejected),
      cmocka_unit_test(test_dns_parse_pointer_target_past_own_start_rejected),
      cmocka_unit_test(test_dns_parse_pointer_into_header_rejected),
      cmocka_unit_test(test_dns_parse_reserved_label_types_rejected),
      cmocka_unit_test(test_dns_parse_label_64_rejected),
      cmocka_unit_test(test_dns_parse_name_256_rejected),
      cmocka_unit_test(test_dns_parse_name_256_through_pointers_rejected),
      cmocka_unit_test(test_dns_parse_max_hop_chain),
      cmocka_unit_test(test_dns_parse_counts_beyond_packet),
      cmocka_unit_test(test_dns_parse_truncated_rr_keeps_earlier_answers),
      cmocka_unit_test(test_dns_parse_compression_across_sections),
      cmocka_unit_test(test_dns_parse_counts_above_limits_truncated),
      cmocka_unit_test(test_dns_parse_large_ttl_reads_as_zero),
      cmocka_unit_test(test_dns_uncompress_name_edges),
      cmocka_unit_test(test_dns_next_record_filters_by_type),
      cmocka_unit_test(test_dns_encode_name_bytes),
      cmocka_unit_test(test_dns_encode_name_rejects_bad_names),
      cmocka_unit_test(test_dns_encode_record_bytes),
      cmocka_unit_test(test_dns_insert_header_bytes),
      cmocka_unit_test(test_dns_copy_questions_repeats_question_section),
      cmocka_unit_test(test_dns_encode_parse_round_trip),
      cmocka_unit_test(test_dns_build_query_bytes),
      cmocka_unit_test(test_dns_find_edns),
      cmocka_unit_test(test_dns_reply_udp_bytes),
      cmocka_unit_test(test_dns_reply_tcp_has_length_prefix),
      cmocka_unit_test(test_dns_reply_echoes_edns),
      cmocka_unit_test(test_dns_reply_other_edns_version_gets_badvers),
      cmocka_unit_test(test_dns_reply_too_big_for_udp_is_truncated),
      cmocka_unit_test(test_dns_reply_record_limit),
      cmocka_unit_test(test_dns_handler_tcp_reassembles_and_splits),
      cmocka_unit_test(test_dns_handler_tcp_malformed_gets_formerr_and_close),
      cmocka_unit_test(test_dns_handler_udp),
      cmocka_unit_test(test_dns_send_query_frames_by_transport),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
