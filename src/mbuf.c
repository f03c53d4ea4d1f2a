#include "mbuf.h"

void mbuf_init(struct mbuf *mb, size_t initial_size) {
  mb->len = mb->size = 0;
  mb->buf = NULL;
  mbuf_resize(mb, initial_size);
}

void mbuf_free(struct mbuf *mb) {
  MG_FREE(mb->buf);
  mb->buf = NULL;
  mb->len = mb->size = 0;
}

void mbuf_resize(struct mbuf *mb, size_t new_size) {
  char *p;
  // As in 6.x, a size that would not hold the data is ignored.
  if (new_size < mb->len || new_size == mb->size) return;
  if (new_size == 0) {
    mbuf_free(mb);
    return;
  }
  // On failure the old buffer is kept intact: callers see size unchanged.
  if ((p = (char *) MG_REALLOC(mb->buf, new_size)) == NULL) return;
  mb->buf = p;
  mb->size = new_size;
}

void mbuf_trim(struct mbuf *mb) {
  mbuf_resize(mb, mb->len);
}

// Makes room for at least len more bytes, growing by MBUF_SIZE_MULTIPLIER.
// Returns 1 on success, 0 if memory ran out or the size would overflow.
static int mbuf_reserve(struct mbuf *mb, size_t len) {
  size_t want, grown;
  if (len > (size_t) -1 - mb->len) return 0;
  want = mb->len + len;
  if (want <= mb->size) return 1;
  grown = (size_t) ((double) want * MBUF_SIZE_MULTIPLIER);
  if (grown < want) grown = want;  // Overflow of the multiplication
  mbuf_resize(mb, grown);
  if (mb->size < want) mbuf_resize(mb, want);  // Retry without slack
  return mb->size >= want;
}

size_t mbuf_insert(struct mbuf *mb, size_t off, const void *data, size_t len) {
  if (off > mb->len || len == 0) return 0;
  if (!mbuf_reserve(mb, len)) return 0;
  memmove(mb->buf + off + len, mb->buf + off, mb->len - off);
  if (data != NULL) memcpy(mb->buf + off, data, len);
  mb->len += len;
  return len;
}

size_t mbuf_append(struct mbuf *mb, const void *data, size_t len) {
  return mbuf_insert(mb, mb->len, data, len);
}

size_t mbuf_append_and_free(struct mbuf *mb, void *data, size_t len) {
  size_t n;
  if (mb->len == 0 && mb->buf == NULL && data != NULL && len > 0) {
    // Empty buffer: adopt the caller's allocation instead of copying.
    mb->buf = (char *) data;
    mb->len = mb->size = len;
    return len;
  }
  n = mbuf_append(mb, data, len);
  MG_FREE(data);
  return n;
}

void mbuf_remove(struct mbuf *mb, size_t n) {
  if (n == 0 || n > mb->len) return;
  memmove(mb->buf, mb->buf + n, mb->len - n);
  mb->len -= n;
}

void mbuf_clear(struct mbuf *mb) {
  mb->len = 0;
}

void mbuf_move(struct mbuf *from, struct mbuf *to) {
  if (from == to) return;
  mbuf_free(to);
  *to = *from;
  from->buf = NULL;
  from->len = from->size = 0;
}
