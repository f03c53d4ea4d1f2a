// Fuzzes the multipart/form-data parsers.
// 1. mg_parse_multipart() over the whole input (and over the input after
//    its first line), part after part until it
//    returns 0: every chunk must lie inside the input, every name must be
//    NUL-terminated inside its buffer.
// 2. The streaming parser: the first input line is the boundary, the rest
//    the body, fed to a connection in pieces of varying size; events must
//    come in a valid order and data must point into recv_mbuf.
#include "mongoose.h"

// Internal hooks of the HTTP server (src/internal.h), exported by mongoose.c.
int mg_http_multipart_begin(struct mg_connection *nc, struct http_message *hm,
                            size_t head_len);
int mg_http_multipart_continue(struct mg_connection *nc);
void mg_http_multipart_free(struct mg_connection *nc);

static void fuzz_check_name(const char *s, size_t size) {
  if (memchr(s, '\0', size) == NULL) abort();
}

static void fuzz_buffered(const char *data, size_t size) {
  char var[16], file[40];
  const char *chunk, *p = data;
  size_t chunk_len, n, left = size;
  while (left > 0) {
    chunk = NULL;
    chunk_len = 0;
    n = mg_parse_multipart(p, left, var, sizeof(var), file, sizeof(file),
                           &chunk, &chunk_len);
    fuzz_check_name(var, sizeof(var));
    fuzz_check_name(file, sizeof(file));
    if (n == 0) break;
    if (n > left || chunk == NULL || chunk < p || chunk + chunk_len > p + n) {
      abort();
    }
    p += n, left -= n;
  }
}

struct fuzz_state {
  int in_part;  // Between PART_BEGIN and PART_END
  int ended;    // MULTIPART_REQUEST_END seen
};

static void fuzz_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct fuzz_state *st = (struct fuzz_state *) nc->user_data;
  struct mg_http_multipart_part *mp = (struct mg_http_multipart_part *) ev_data;
  const char *b = nc->recv_mbuf.buf;
  if (ev < MG_EV_HTTP_PART_BEGIN || ev > MG_EV_HTTP_MULTIPART_REQUEST_END) {
    return;
  }
  if (st->ended || mp->var_name == NULL || mp->file_name == NULL) abort();
  if (ev == MG_EV_HTTP_PART_BEGIN) {
    if (st->in_part) abort();
    st->in_part = 1;
  } else if (ev == MG_EV_HTTP_PART_DATA) {
    if (!st->in_part || mp->data.len == 0 || mp->data.p < b ||
        mp->data.p + mp->data.len > b + nc->recv_mbuf.len) {
      abort();
    }
  } else if (ev == MG_EV_HTTP_PART_END) {
    if (!st->in_part) abort();
    st->in_part = 0;
  } else {
    if (st->in_part) abort();
    st->ended = 1;
  }
}

static void fuzz_streaming(const char *data, size_t size) {
  const char *nl = (const char *) memchr(data, '\n', size);
  struct mg_mgr mgr;
  struct mg_connection nc;
  struct http_message hm;
  struct fuzz_state st;
  char head[256];
  size_t body_len, off, piece, seed = size;
  int n, active;
  if (nl == NULL || nl - data > 80) return;
  body_len = size - (size_t) (nl - data) - 1;
  memset(&mgr, 0, sizeof(mgr));
  memset(&nc, 0, sizeof(nc));
  memset(&st, 0, sizeof(st));
  nc.mgr = &mgr;
  nc.handler = fuzz_handler;
  nc.user_data = &st;
  n = snprintf(head, sizeof(head),
               "POST /u HTTP/1.1\r\nContent-Type: multipart/form-data; "
               "boundary=%.*s\r\nContent-Length: %lu\r\n\r\n",
               (int) (nl - data), data, (unsigned long) body_len);
  mbuf_append(&nc.recv_mbuf, head, (size_t) n);
  if (mg_parse_http(nc.recv_mbuf.buf, n, &hm, 1) == n &&
      mg_http_multipart_begin(&nc, &hm, (size_t) n)) {
    active = 1;
    for (off = 0; off < body_len && active; off += piece) {
      seed = seed * 1103515245u + 12345u;
      piece = 1 + (seed >> 8) % 300;
      if (piece > body_len - off) piece = body_len - off;
      mbuf_append(&nc.recv_mbuf, nl + 1 + off, piece);
      active = mg_http_multipart_continue(&nc);
    }
    if (active) active = mg_http_multipart_continue(&nc);
    mg_http_multipart_free(&nc);
    if (!st.ended || st.in_part) abort();
  }
  if (nc.proto_data != NULL) nc.proto_data_destructor(nc.proto_data);
  mbuf_free(&nc.recv_mbuf);
  mbuf_free(&nc.send_mbuf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *nl = (const char *) memchr(data, '\n', size);
  fuzz_buffered((const char *) data, size);
  if (nl != NULL) {
    fuzz_buffered(nl + 1, size - (size_t) (nl + 1 - (const char *) data));
  }
  fuzz_streaming((const char *) data, size);
  return 0;
}
