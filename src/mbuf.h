// struct mbuf: a growable byte buffer.
#pragma once
#include "arch.h"
#include "config.h"

struct mbuf {
  char *buf;    // Data; NULL when size is 0
  size_t len;   // Bytes in use
  size_t size;  // Bytes allocated
};

// Initialises the buffer with initial_capacity bytes allocated.
void mbuf_init(struct mbuf *, size_t initial_capacity);
// Frees the data; the struct stays usable (empty).
void mbuf_free(struct mbuf *);
// Appends data; grows capacity by MBUF_SIZE_MULTIPLIER as needed. Returns the
// number of bytes appended: data_size, or 0 if memory ran out.
size_t mbuf_append(struct mbuf *, const void *data, size_t data_size);
// Like mbuf_append, then frees data (always, even on failure).
size_t mbuf_append_and_free(struct mbuf *, void *data, size_t data_size);
// Inserts data at offset off (off > len is an error). Returns bytes inserted.
size_t mbuf_insert(struct mbuf *, size_t off, const void *data, size_t len);
// Removes data_size bytes from the start. Does nothing if data_size > len.
void mbuf_remove(struct mbuf *, size_t data_size);
// Sets capacity to new_size. Does nothing if new_size < len (or memory
// runs out: the buffer is then unchanged).
void mbuf_resize(struct mbuf *, size_t new_size);
// Moves the contents of from into to (to is freed first); from is emptied.
void mbuf_move(struct mbuf *from, struct mbuf *to);
// Sets len to 0 and keeps the allocation.
void mbuf_clear(struct mbuf *);
// Shrinks capacity to len.
void mbuf_trim(struct mbuf *);
