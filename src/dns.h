// DNS messages (RFC 1035): a pure parser, encoders for names, records and
// headers, and a protocol handler that delivers every message received
// over UDP or TCP as MG_DNS_MESSAGE.
#pragma once
#include "net.h"

#if MG_ENABLE_DNS

// The DNS event: ev_data is struct mg_dns_message *, valid during the event
// only (its slices point into the connection's recv_mbuf).
#define MG_DNS_MESSAGE 100  // struct mg_dns_message *: a message arrived

// Resource record types (RFC 1035 3.2.2, RFC 3596, RFC 2782).
#define MG_DNS_A_RECORD 0x01      // IPv4 address: struct in_addr
#define MG_DNS_NS_RECORD 0x02     // Name server: a name
#define MG_DNS_CNAME_RECORD 0x05  // Canonical name: a name
#define MG_DNS_PTR_RECORD 0x0c    // Pointer (reverse lookups): a name
#define MG_DNS_MX_RECORD 0x0f     // Mail exchanger
#define MG_DNS_TXT_RECORD 0x10    // Text strings
#define MG_DNS_AAAA_RECORD 0x1c   // IPv6 address: struct in6_addr
#define MG_DNS_SRV_RECORD 0x21    // Service location
#define MG_DNS_OPT_RECORD 0x29    // EDNS(0) pseudo-record (RFC 6891)
#define MG_DNS_ANY_RECORD 0xff    // Query type: every record

// Where a parsed record came from.
enum mg_dns_resource_record_kind {
  MG_DNS_INVALID_RECORD = 0,  // Not filled in
  MG_DNS_QUESTION,            // Question section: no ttl, no rdata
  MG_DNS_ANSWER               // Answer section
};

// A question or resource record of a parsed message. Both slices point into
// the message (mg_dns_message.pkt).
struct mg_dns_resource_record {
  struct mg_str name;  // The owner name as it is in the packet (labels,
                       // maybe ending in a compression pointer): read it
                       // with mg_dns_uncompress_name()
  int rtype;           // MG_DNS_*_RECORD
  int rclass;          // 1: IN
  int ttl;             // Seconds (values above 2^31 - 1 read as 0)
  enum mg_dns_resource_record_kind kind;  // Question or answer
  struct mg_str rdata;  // RDATA (empty for questions): read it with
                        // mg_dns_parse_record_data()
};

// A parsed DNS message. Questions and answers beyond the MG_MAX_DNS_*
// limits are skipped (counted in no field).
struct mg_dns_message {
  struct mg_str pkt;        // The whole message
  uint16_t flags;           // Header flags: QR, opcode, AA, TC, RD, RA, rcode
  uint16_t transaction_id;  // Header ID
  int num_questions;        // Questions parsed into questions[]
  int num_answers;          // Answers parsed into answers[]
  struct mg_dns_resource_record questions[MG_MAX_DNS_QUESTIONS];
  struct mg_dns_resource_record answers[MG_MAX_DNS_ANSWERS];
};

// Parses the DNS message buf[0..len) into msg; every slice of msg points
// into buf. Returns 0 on success, -1 if the message is malformed: shorter
// than a header, a question cut off by the end of the message, or any name
// that breaks RFC 1035's rules (a label over 63 bytes, a name over 255
// bytes, a compression pointer that does not point backwards into the
// message body, more than MG_MAX_DNS_POINTER_HOPS pointers in one name).
// Header counts are never trusted: only what the message holds is parsed.
// An answer cut off by the end of the message (a truncated reply) ends the
// answers: the complete ones before it are kept.
int mg_parse_dns(const char *buf, int len, struct mg_dns_message *msg);

// Returns the next answer of msg whose type is query, after prev (NULL:
// from the first answer), or NULL when there is none.
struct mg_dns_resource_record *mg_dns_next_record(
    struct mg_dns_message *msg, int query, struct mg_dns_resource_record *prev);

// Decodes the RDATA of rr (a record of msg) into data, data_len bytes:
// A into a struct in_addr, AAAA into a struct in6_addr, CNAME, PTR and NS
// into the target name, uncompressed, dotted and NUL-terminated. Returns 0
// on success, -1 for another type, a malformed RDATA or a too small data.
int mg_dns_parse_record_data(struct mg_dns_message *msg,
                             struct mg_dns_resource_record *rr, void *data,
                             size_t data_len);

// Writes the name that starts at name->p (inside msg->pkt), following
// compression pointers, as a dotted NUL-terminated string ("www.example")
// into dst (dst_len bytes, the NUL included). Returns its length without
// the NUL; 0 for the root name, a malformed name or one that does not fit
// in dst (dst then holds "").
size_t mg_dns_uncompress_name(struct mg_dns_message *msg, struct mg_str *name,
                              char *dst, int dst_len);

// Appends the dotted name[0..len) ("www.example", a trailing dot allowed,
// "" or "." the root) as uncompressed labels. Returns the bytes appended,
// or -1 (io unchanged) for an empty label, a label over 63 bytes, a name
// over 255 bytes encoded, or no memory.
int mg_dns_encode_name(struct mbuf *io, const char *name, size_t len);
// mg_dns_encode_name() of an mg_str.
int mg_dns_encode_name_s(struct mbuf *io, struct mg_str name);

// Appends a record: the name name[0..nlen), rr->rtype and rr->rclass, and
// unless rr->kind is MG_DNS_QUESTION, rr->ttl and the RDATA. For CNAME,
// PTR and NS records rdata[0..rlen) is a dotted name and is encoded as
// one; for others it is copied as is. Returns the bytes appended, or -1
// (io unchanged) if a name cannot be encoded, rlen exceeds 65535 or memory
// ran out.
int mg_dns_encode_record(struct mbuf *io, struct mg_dns_resource_record *rr,
                         const char *name, size_t nlen, const void *rdata,
                         size_t rlen);

// Inserts a 12-byte header at io offset pos: msg's transaction_id and
// flags, num_questions and num_answers as the question and answer counts,
// no authority or additional records. Returns 12, or -1 if pos is past the
// end of io or memory ran out.
int mg_dns_insert_header(struct mbuf *io, size_t pos,
                         struct mg_dns_message *msg);

// Appends msg's parsed questions as they are in msg->pkt (a reply repeats
// them; compression pointers stay valid after a new 12-byte header).
// Returns the bytes appended, 0 when msg has no question, -1 if out of
// memory.
int mg_dns_copy_questions(struct mbuf *io, struct mg_dns_message *msg);

// Sends a query for name (class IN, type query_type, recursion desired,
// a random transaction id) on nc: one datagram over UDP, with the 2-byte
// length prefix over TCP. A name that cannot be encoded is logged and
// nothing is sent.
void mg_send_dns_query(struct mg_connection *nc, const char *name,
                       int query_type);

// Makes nc (a listener, an accepted or an outgoing connection) speak DNS:
// every core event goes to the user handler first (as in 6.x), then each
// complete message received (a datagram, or over TCP a message framed by
// its 2-byte length, reassembled from as many reads as it takes; several
// in one read are delivered in turn) reaches it as MG_DNS_MESSAGE. A
// malformed message is never delivered: it is logged and dropped, and a
// TCP connection is closed. A server connection (one a listener accepted)
// answers a malformed query with a readable header with FORMERR (with
// MG_ENABLE_DNS_SERVER). The handler must not consume recv_mbuf.
void mg_set_protocol_dns(struct mg_connection *nc);

#endif  // MG_ENABLE_DNS
