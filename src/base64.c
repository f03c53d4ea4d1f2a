#include "base64.h"

// Base64 (RFC 4648 section 4: the standard alphabet, '=' padding).

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Encodes n (1..3) bytes of in as four base64 characters, padding with '='.
static void b64_quantum(const unsigned char *in, int n, char out[4]) {
  unsigned long v = (unsigned long) in[0] << 16;
  if (n > 1) v |= (unsigned long) in[1] << 8;
  if (n > 2) v |= in[2];
  out[0] = b64_alphabet[(v >> 18) & 63];
  out[1] = b64_alphabet[(v >> 12) & 63];
  out[2] = n > 1 ? b64_alphabet[(v >> 6) & 63] : '=';
  out[3] = n > 2 ? b64_alphabet[v & 63] : '=';
}

void mg_base64_encode(const unsigned char *src, int src_len, char *dst) {
  int i;
  for (i = 0; i < src_len; i += 3) {
    b64_quantum(src + i, src_len - i < 3 ? src_len - i : 3, dst);
    dst += 4;
  }
  *dst = '\0';
}

// Returns the 6-bit value of a base64 character, 64 for '=', -1 otherwise.
static int b64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return c == '=' ? 64 : -1;
}

// Decodes one 4-character quantum into dst. Returns the number of bytes
// written (1..3), or -1 if the quantum is not valid base64.
static int b64_decode_quantum(const unsigned char *s, char *dst) {
  int a = b64_value(s[0]), b = b64_value(s[1]);
  int c = b64_value(s[2]), d = b64_value(s[3]);
  if (a < 0 || b < 0 || c < 0 || d < 0 || a == 64 || b == 64) return -1;
  if (c == 64 && d != 64) return -1;  // "xx=x" is not valid padding
  dst[0] = (char) ((a << 2) | (b >> 4));
  if (c == 64) return 1;
  dst[1] = (char) (((b & 15) << 4) | (c >> 2));
  if (d == 64) return 2;
  dst[2] = (char) (((c & 3) << 6) | d);
  return 3;
}

int mg_base64_decode(const unsigned char *s, int len, char *dst) {
  int consumed = 0, n;
  while (len - consumed >= 4) {
    if ((n = b64_decode_quantum(s + consumed, dst)) < 0) break;
    consumed += 4;
    dst += n;
    if (n < 3) break;  // Padding ends the data.
  }
  *dst = '\0';
  return consumed;
}

// Streaming base64 into an mbuf: up to two bytes wait for their quantum.
struct b64_stream {
  struct mbuf *mb;
  unsigned char chunk[3];
  int n;
};

static void b64_update(struct b64_stream *st, const void *data, size_t len) {
  const unsigned char *p = (const unsigned char *) data;
  char out[4];
  size_t i;
  for (i = 0; i < len; i++) {
    st->chunk[st->n++] = p[i];
    if (st->n == 3) {
      b64_quantum(st->chunk, 3, out);
      mbuf_append(st->mb, out, sizeof(out));
      st->n = 0;
    }
  }
}

static void b64_finish(struct b64_stream *st) {
  char out[4];
  if (st->n == 0) return;
  b64_quantum(st->chunk, st->n, out);
  mbuf_append(st->mb, out, sizeof(out));
  st->n = 0;
}

void mg_mbuf_append_base64_putc(char ch, void *user_data) {
  mbuf_append((struct mbuf *) user_data, &ch, 1);
}

void mg_mbuf_append_base64(struct mbuf *mbuf, const void *data, size_t len) {
  struct b64_stream st;
  st.mb = mbuf;
  st.n = 0;
  b64_update(&st, data, len);
  b64_finish(&st);
}

void mg_mbuf_append_base64_parts(struct mbuf *mbuf, const struct mg_str *parts,
                                 size_t n) {
  struct b64_stream st;
  size_t i;
  st.mb = mbuf;
  st.n = 0;
  for (i = 0; i < n; i++) b64_update(&st, parts[i].p, parts[i].len);
  b64_finish(&st);
}
