// A DNS server's replies (6.x API): build a reply to a parsed query in an
// mbuf, add answers, send it on the connection the query came from.
#pragma once
#include "dns.h"

#if MG_ENABLE_DNS_SERVER

// A reply under construction in io, from offset start.
struct mg_dns_reply {
  struct mg_dns_message *msg;  // The query, reused for the reply's header
  struct mbuf *io;             // Where the reply is built
  size_t start;                // Offset of the reply in io
};

// Starts the reply to the query msg at the end of io (a buffer of the
// caller's, or nc->send_mbuf): the query's id, opcode, RD and CD bits with
// QR and RA set, and its questions copied. msg->num_answers is reset: msg
// then counts the reply's answers. msg and the packet it was parsed from
// (nc->recv_mbuf during MG_DNS_MESSAGE) must stay valid until
// mg_dns_send_reply(). Set an rcode with msg->flags |= 3 (NXDOMAIN).
struct mg_dns_reply mg_dns_create_reply(struct mbuf *io,
                                        struct mg_dns_message *msg);

// Appends an answer to question: the name (NULL: the question's name),
// class from question, type rtype, ttl in seconds, rdata[0..rdata_len)
// (for CNAME, PTR and NS a dotted name; see mg_dns_encode_record()).
// Returns 0, or -1 if MG_MAX_DNS_ANSWERS answers are there already or the
// record cannot be encoded.
int mg_dns_reply_record(struct mg_dns_reply *reply,
                        struct mg_dns_resource_record *question,
                        const char *name, int rtype, int ttl, const void *rdata,
                        size_t rdata_len);

// Completes the reply (inserts its header) and sends it on nc: over UDP as
// one datagram, over TCP after its 2-byte length. If the query had an EDNS
// OPT record (RFC 6891) the reply has one as well (version 0, payload size
// MG_DNS_EDNS_UDP_SIZE, DO clear); a query of another EDNS version gets
// BADVERS and no answers. Over UDP a reply larger than the query allows
// (512 bytes, or the EDNS payload size up to MG_DNS_EDNS_UDP_SIZE) is cut
// to its questions with TC set. When io is not nc->send_mbuf the reply is
// moved out of io.
void mg_dns_send_reply(struct mg_connection *nc, struct mg_dns_reply *r);

#endif  // MG_ENABLE_DNS_SERVER
