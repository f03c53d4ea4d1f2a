// URIs: parsing, assembly and percent-coding; the bind/connect address
// grammar, address formatting and IP ACLs.
#pragma once
#include "arch.h"
#include "str.h"

// Splits uri into its parts. Any out pointer may be NULL; absent parts come
// back empty and *port as 0 when the URI has none. Accepts
// "[scheme://][user_info@]host[:port][/path][?query][#fragment]" and a bare
// "/path...". IPv6 hosts are written "[::1]"; as in 6.x, host keeps the
// brackets ("tcp://[::1]:234" gives host "[::1]", port 234).
// The parts are slices into uri.p; no byte past uri.len is read. The last
// '@' before the path ends user_info; an empty port ("h:/") reads as 0; a
// path, when present, starts with '/'; query and fragment exclude their '?'
// and '#'. A URI without "scheme://" and not starting with '/' begins with
// the host ("example.com:80/x").
// Returns 0 on success, -1 if the URI is malformed (non-digit port, port
// above 65535, unterminated or nested '[', bytes between ']' and ':').
int mg_parse_uri(const struct mg_str uri, struct mg_str *scheme,
                 struct mg_str *user_info, struct mg_str *host,
                 unsigned int *port, struct mg_str *path, struct mg_str *query,
                 struct mg_str *fragment);

// Assembles a URI from parts (NULL or empty parts are left out; port 0 is
// left out). A host containing ':' and not starting with '[' gets
// brackets; a bracketed one (as mg_parse_uri() gives it) is copied as is.
// Without a scheme no "//" is written ("host:80/p"), which mg_parse_uri()
// reads back as given. With normalize_path the path goes through
// mg_normalize_uri_path() and must be absolute; otherwise a relative path
// after a host gets a '/'.
// uri->p is MG_MALLOC'd and NUL-terminated: free it with MG_FREE.
// Returns 0 on success, -1 on failure (bad path, port above 65535, out of
// memory; uri->p is then NULL).
int mg_assemble_uri(const struct mg_str *scheme, const struct mg_str *user_info,
                    const struct mg_str *host, unsigned int port,
                    const struct mg_str *path, const struct mg_str *query,
                    const struct mg_str *fragment, int normalize_path,
                    struct mg_str *uri);

// Removes "." and ".." segments and collapses repeated '/' in an absolute
// path: "/a/./b/../c" -> "/a/c", "/a/b/.." -> "/a/", "//x" -> "/x". Only
// the literal segments count: "%2e%2e" is left alone. out may alias in
// (out->p == in->p); otherwise out->p must point at in->len writable bytes.
// Returns 1 on success, 0 if the path is not absolute (or empty) or ".."
// would climb above the root.
int mg_normalize_uri_path(const struct mg_str *in, struct mg_str *out);

// Flags for mg_url_encode_opt().
#define MG_URL_ENCODE_F_SPACE_AS_PLUS (1 << 0)  // ' ' becomes '+'
#define MG_URL_ENCODE_F_UPPERCASE_HEX (1 << 1)  // %2F rather than %2f

// Decodes %XX escapes (and '+' as space when is_form_url_encoded) from src
// into dst, NUL-terminated. Returns the decoded length, or -1 if dst is too
// small or an escape is malformed.
int mg_url_decode(const char *src, int src_len, char *dst, int dst_len,
                  int is_form_url_encoded);
// Percent-encodes every byte of src except ASCII alphanumerics and the bytes
// in safe, per flags (MG_URL_ENCODE_F_*). Returns a MG_MALLOC'd,
// NUL-terminated string ({NULL, 0} if memory ran out); free it with
// mg_strfree().
struct mg_str mg_url_encode_opt(const struct mg_str src,
                                const struct mg_str safe, unsigned int flags);
// mg_url_encode_opt() with safe = "._-$,;~()/" and no flags.
struct mg_str mg_url_encode(const struct mg_str src);

// Parses a bind/connect address: "[tcp://|udp://][host]:port", "[v6]:port",
// ":port" or "port". An empty host means any address (0.0.0.0). "localhost"
// is 127.0.0.1. Fills sa (family, address and port in network order) and
// *proto (SOCK_STREAM or SOCK_DGRAM; proto may be NULL). The port is 1 to 5
// digits ending the string; ports 0-65535 are accepted: connect refuses 0.
// A host name that is not a numeric address (letters, digits, '-', '.' and
// '_', shorter than MG_MAX_HOST_LEN, not all digits and dots) is copied into
// host (at most host_len - 1 bytes, NUL-terminated) for the caller to resolve,
// with family AF_INET and the port already in sa. Bracketed IPv6 literals
// need MG_ENABLE_IPV6 and are never resolved. Returns 1 when sa is complete,
// 0 when host needs resolving, -1 when the address is malformed or another
// scheme than tcp:// or udp:// is given (sa is then all zero).
int mg_parse_address(const char *str, union socket_address *sa, int *proto,
                     char *host, size_t host_len);

// Flags for mg_sock_addr_to_str(), mg_conn_addr_to_str(), mg_sock_to_str().
#define MG_SOCK_STRINGIFY_IP 1      // Include the address
#define MG_SOCK_STRINGIFY_PORT 2    // Include the port
#define MG_SOCK_STRINGIFY_REMOTE 4  // The peer's address, not ours

// Formats a socket address as "1.2.3.4", "1.2.3.4:80", "::1" or "[::1]:80"
// per flags. Returns the length written (buf is always NUL-terminated).
int mg_sock_addr_to_str(const union socket_address *sa, char *buf, size_t len,
                        int flags);

// Checks an IPv4 address (host byte order) against an ACL such as
// "-0.0.0.0/0,+192.168.0.0/16": the last matching entry wins; with an empty
// or NULL acl everything is allowed, otherwise what matches nothing is
// denied. An entry is '+' or '-', a dotted quad and an optional /0../32
// prefix (host bits are ignored); spaces around entries are allowed.
// Returns 1 allowed, 0 denied, -1 if the ACL is malformed.
int mg_check_ip_acl(const char *acl, uint32_t remote_ip);
