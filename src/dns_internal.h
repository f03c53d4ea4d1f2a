// DNS internals shared by dns.c, dns_server.c and the resolver: not public
// API. This header goes into mongoose.c only, never into mongoose.h.
#pragma once
#include "core_internal.h"
#include "dns.h"

#if MG_ENABLE_DNS

#define MG_DNS_HEADER_SIZE 12    // RFC 1035 4.1.1
#define MG_DNS_UDP_MIN_SIZE 512  // Largest UDP message without EDNS

// Header flag bits (RFC 1035 4.1.1, RFC 2535 6.1).
#define MG_DNS_FLAG_QR 0x8000      // A response
#define MG_DNS_FLAG_OPCODE 0x7800  // Opcode (0: QUERY)
#define MG_DNS_FLAG_AA 0x0400      // Authoritative answer
#define MG_DNS_FLAG_TC 0x0200      // Truncated
#define MG_DNS_FLAG_RD 0x0100      // Recursion desired
#define MG_DNS_FLAG_RA 0x0080      // Recursion available
#define MG_DNS_FLAG_AD 0x0020      // Authentic data
#define MG_DNS_FLAG_CD 0x0010      // Checking disabled
#define MG_DNS_RCODE_MASK 0x000f   // Response code

// Response codes (RFC 1035 4.1.1, RFC 6891 9).
#define MG_DNS_RCODE_FORMERR 1   // The query was malformed
#define MG_DNS_RCODE_NOTIMP 4    // Opcode not implemented
#define MG_DNS_RCODE_BADVERS 16  // EDNS version not supported (12 bits)

// The EDNS OPT record of a message (RFC 6891 6.1.2, 6.1.3).
struct mg_dns_edns {
  uint16_t udp_size;  // Requestor's UDP payload size
  uint8_t ext_rcode;  // Upper 8 bits of the 12-bit response code
  uint8_t version;    // EDNS version
  uint16_t flags;     // DO bit (0x8000) and zeros
};

// Finds the OPT record in the additional section of msg->pkt (the counts of
// the header are followed, bounded by the packet). Returns 1 and fills edns
// if there is one, 0 if there is none, -1 if the message cannot be walked
// that far or the OPT record is malformed.
int mg_dns_find_edns(const struct mg_dns_message *msg,
                     struct mg_dns_edns *edns);

// Returns the size of msg's parsed question section as it is in msg->pkt:
// from the end of the header to the end of the last parsed question (0
// without questions).
size_t mg_dns_questions_size(const struct mg_dns_message *msg);

// Appends a query for the dotted name (class IN, type qtype, RD set, id
// txid) to io, preceded by the 2-byte length when tcp is non-zero (RFC 1035
// 4.2.2). Returns the bytes appended, or -1 (io unchanged) if name cannot
// be encoded or memory ran out. What mg_send_dns_query() and the resolver
// send.
int mg_dns_build_query(struct mbuf *io, uint16_t txid, struct mg_str name,
                       int qtype, int tcp);

// Returns an unpredictable transaction id (RFC 5452 9.2), read from
// /dev/urandom (a weaker clock mix, logged, where it is missing).
uint16_t mg_dns_random_id(void);

// Reads the big-endian 16-bit value at p.
uint16_t mg_dns_get16(const void *p);
// Appends v as a big-endian 16-bit value. Returns 1, 0 if out of memory.
int mg_dns_put16(struct mbuf *io, uint16_t v);

#endif  // MG_ENABLE_DNS
