// Utilities: time, token skipping, hexdumps, byte order, files and
// threads.
#pragma once
#include "arch.h"
#include "config.h"
#include "str.h"

// The number of elements of array a.
#ifndef MG_ARRAY_SIZE
#define MG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

// Stores v into *pp when pp is not NULL (for opts.error_string).
#define MG_SET_PTRPTR(pp, v)       \
  do {                             \
    if ((pp) != NULL) *(pp) = (v); \
  } while (0)

// Returns the wall-clock time in seconds, with sub-second precision.
double mg_time(void);

// Extracts the next token from s up to end_string, stopping at any byte in
// delimiters (a NUL byte is never a delimiter), and skips the delimiters
// after it. Fills v; returns the position after the skipped delimiters.
const char *mg_skip(const char *s, const char *end_string,
                    const char *delimiters, struct mg_str *v);

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
