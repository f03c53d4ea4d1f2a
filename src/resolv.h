// The asynchronous DNS resolver (6.x API): looks a name up in the hosts
// file, a small per-manager cache, then the nameservers, without ever
// blocking the poll loop. mg_connect() and everything built on it use it
// for host names.
#pragma once
#include "dns.h"

#if MG_ENABLE_ASYNC_RESOLVER

// Results. The first four are 6.x's values; the others are new, and a 6.x
// program that tests only for MG_RESOLVE_OK sees them as failures (6.x
// itself reported NXDOMAIN and SERVFAIL as MG_RESOLVE_OK with no usable
// answer, and an answer without the wanted record as MG_RESOLVE_OK too).
enum mg_resolve_err {
  MG_RESOLVE_OK = 0,          // msg holds the answer (CNAMEs followed)
  MG_RESOLVE_NO_ANSWERS = 1,  // The name exists but has no such record
  MG_RESOLVE_EXCEEDED_RETRY_COUNT = 2,  // Every nameserver failed (refused,
                                        // unreachable, bad replies)
  MG_RESOLVE_TIMEOUT = 3,   // Every nameserver stayed silent, or the query
                            // was closed before a result
  MG_RESOLVE_NXDOMAIN = 4,  // The name does not exist (rcode 3)
  MG_RESOLVE_SERVFAIL = 5   // Every nameserver answered SERVFAIL/REFUSED
};

// Called once per query. dns_message is the reply (for hosts file, cache
// and literal hits a message built to look like one), valid during the
// call only; NULL for MG_RESOLVE_TIMEOUT and _EXCEEDED_RETRY_COUNT.
typedef void (*mg_resolve_callback_t)(struct mg_dns_message *dns_message,
                                      void *user_data, enum mg_resolve_err);

// Options for mg_resolve_async_opt(); zero means default.
struct mg_resolve_async_opts {
  const char *nameserver;  // "1.2.3.4", "[::1]:5353", "udp://h:p",
                           // "tcp://h:p" (TCP only), or several of these
                           // separated by ',' (tried in turn). NULL: mgr's,
                           // else every nameserver of resolv.conf
  int max_retries;         // Sends per nameserver after the first (0: default
                    // MG_RESOLV_RETRIES; capped at MG_RESOLV_MAX_RETRIES)
  int timeout;         // Seconds to wait per send (0: MG_RESOLV_TIMEOUT)
  int accept_literal;  // A dotted IPv4 / IPv6 literal answers itself
  int only_literal;    // Only literals: a name fails (returns -1)
  struct mg_connection **dns_conn;  // Gets the query's connection: closing
                                    // it cancels (cb gets _TIMEOUT)
};

// Resolves name (query: MG_DNS_A_RECORD or MG_DNS_AAAA_RECORD) and calls cb
// from a later mg_mgr_poll(), never from inside this call. Order: the
// hosts file (mg_resolv_hosts_file), the manager's cache, then the
// nameservers in turn (the next one when one is silent after its retries
// or answers SERVFAIL/REFUSED; TC=1 repeats the query over TCP). Returns 0
// if the query started, -1 (cb never called) if the name cannot be encoded,
// memory ran out or only_literal refused a name.
int mg_resolve_async(struct mg_mgr *mgr, const char *name, int query,
                     mg_resolve_callback_t cb, void *data);
int mg_resolve_async_opt(struct mg_mgr *mgr, const char *name, int query,
                         mg_resolve_callback_t cb, void *data,
                         struct mg_resolve_async_opts opts);

// Sets the manager's nameserver (copied; NULL: back to resolv.conf), used
// when a query names none.
void mg_set_nameserver(struct mg_mgr *mgr, const char *nameserver);

// Looks host up in the hosts file (mg_resolv_hosts_file), case-insensitive,
// the first line naming it. Fills usa (port 0; IPv6 entries with
// MG_ENABLE_IPV6). Returns 0 if found, -1 otherwise.
int mg_resolve_from_hosts_file(const char *host, union socket_address *usa);

// The files read, overridable (tests point them at their own): default
// MG_HOSTS_FILE and MG_RESOLV_CONF. Read at each query.
extern const char *mg_resolv_hosts_file;
extern const char *mg_resolv_conf_file;

// Pure helpers, for tests. mg_resolv_parse_conf() fills out[0..max) with
// the addresses (port 53) of every "nameserver" line of the resolv.conf
// text buf[0..len); returns how many. mg_resolv_parse_hosts() finds host in
// the hosts-file text buf[0..len) for family (AF_INET, AF_INET6, or 0 for
// either) and returns 0 with *usa filled, -1 if it is not there.
int mg_resolv_parse_conf(const char *buf, size_t len, union socket_address *out,
                         int max);
int mg_resolv_parse_hosts(const char *buf, size_t len, const char *host,
                          int family, union socket_address *usa);

#endif  // MG_ENABLE_ASYNC_RESOLVER
