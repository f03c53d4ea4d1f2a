// Utilities: time, base64, URL encoding, address formatting, IP ACLs,
// hexdumps, files and threads.
#pragma once
#include "mbuf.h"
#include "str.h"

// Memory: every allocation in the library goes through these, so that an
// application (or a test) can substitute its own allocator.
#ifndef MG_MALLOC
#define MG_MALLOC malloc
#endif
#ifndef MG_CALLOC
#define MG_CALLOC calloc
#endif
#ifndef MG_REALLOC
#define MG_REALLOC realloc
#endif
#ifndef MG_FREE
#define MG_FREE free
#endif

// Stores v into *pp when pp is not NULL (for opts.error_string).
#define MG_SET_PTRPTR(pp, v) \
  do {                       \
    if ((pp) != NULL) *(pp) = (v); \
  } while (0)

// Flags for mg_sock_addr_to_str(), mg_conn_addr_to_str(), mg_sock_to_str().
#define MG_SOCK_STRINGIFY_IP 1      // Include the address
#define MG_SOCK_STRINGIFY_PORT 2    // Include the port
#define MG_SOCK_STRINGIFY_REMOTE 4  // The peer's address, not ours

// Flags for mg_url_encode_opt().
#define MG_URL_ENCODE_F_SPACE_AS_PLUS (1 << 0)  // ' ' becomes '+'
#define MG_URL_ENCODE_F_UPPERCASE_HEX (1 << 1)  // %2F rather than %2f

// Returns the wall-clock time in seconds, with sub-second precision.
double mg_time(void);

// Extracts the next token from s up to end_string, stopping at any byte in
// delimiters (a NUL byte is never a delimiter), and skips the delimiters
// after it. Fills v; returns the position after the skipped delimiters.
const char *mg_skip(const char *s, const char *end_string,
                    const char *delimiters, struct mg_str *v);

// Encodes src_len bytes to base64 in dst (NUL-terminated; dst must hold
// 4 * ((src_len + 2) / 3) + 1 bytes).
void mg_base64_encode(const unsigned char *src, int src_len, char *dst);
// Decodes base64 from s (at most len bytes) into dst, NUL-terminated (dst
// must hold 3 * (len / 4) + 1 bytes). Returns the number of bytes of s
// consumed; decoding works on whole 4-byte groups and stops at the first
// group that is not valid base64, or after a group with padding.
int mg_base64_decode(const unsigned char *s, int len, char *dst);
// Appends ch to the struct mbuf * in user_data (a base64 output callback).
void mg_mbuf_append_base64_putc(char ch, void *user_data);
// Appends len bytes of data to mbuf as padded base64.
void mg_mbuf_append_base64(struct mbuf *mbuf, const void *data, size_t len);
// Appends "Authorization: Basic base64(user:pass)\r\n" to buf. With
// pass.p == NULL only the user part is encoded, without the colon.
void mg_basic_auth_header(const struct mg_str user, const struct mg_str pass,
                          struct mbuf *buf);

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

// Writes a hexdump of buf into dst (at most dst_len bytes including the NUL,
// truncated if needed): lines of "%04x" offset, " %02x" per byte (16 per
// line, padded), two spaces, the bytes as ASCII ('.' if unprintable), "\n".
// Returns the length written, without the NUL.
int mg_hexdump(const void *buf, int len, char *dst, int dst_len);
// Writes a hexdump of buf to fp.
void mg_hexdumpf(FILE *fp, const void *buf, int len);

// Returns 1 on a big-endian machine, 0 otherwise.
int mg_is_big_endian(void);

#if MG_ENABLE_FILESYSTEM
// Thin wrappers over the file system, so that ports can replace them.
int mg_stat(const char *path, cs_stat_t *st);
FILE *mg_fopen(const char *path, const char *mode);
int mg_open(const char *path, int flag, int mode);
size_t mg_fread(void *ptr, size_t size, size_t count, FILE *f);
size_t mg_fwrite(const void *ptr, size_t size, size_t count, FILE *f);
#endif

#if MG_ENABLE_THREADS
// Starts a detached thread. Returns an opaque handle, or NULL on failure.
void *mg_start_thread(void *(*thread_func)(void *), void *thread_func_param);
#endif
