// Base64 (RFC 4648: the standard alphabet, '=' padding), into buffers and
// mbufs.
#pragma once
#include "arch.h"
#include "mbuf.h"
#include "str.h"

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
// Appends the n slices in parts to mbuf as one padded base64 string, as if
// they were contiguous (for "user:pass" without copying it together).
void mg_mbuf_append_base64_parts(struct mbuf *mbuf, const struct mg_str *parts,
                                 size_t n);
