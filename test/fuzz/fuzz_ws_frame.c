// Fuzzes the WebSocket receive path (src/ws.c) through mg_ws_handler() on a
// connection without a socket. The first input byte picks a mode:
//   0-3  a byte stream fed to a server (0, 2) or client (1, 3) connection,
//        with MG_F_WEBSOCKET_NO_DEFRAG for 2 and 3, in pieces of
//        1 + data[1] bytes. Checks: recv_mbuf never grows beyond the input,
//        every delivered text message is valid UTF-8, control payloads are
//        at most 125 bytes, and whatever is sent back starts with a FIN
//        pong or close frame header.
//   4    the rest as one text message in two fragments (split at data[1]):
//        delivered if and only if a reference UTF-8 decoder accepts it.
//   5    the rest as an HTTP request head given to the server handshake.
#include <stdlib.h>
#include <string.h>

#include "mongoose.h"

// The hooks from src/internal.h (not part of mongoose.h).
struct mg_http_proto_data;
struct mg_http_proto_data *mg_http_get_proto_data(struct mg_connection *nc);
int mg_ws_is_upgrade(struct http_message *hm);
void mg_ws_handshake(struct mg_connection *nc, struct http_message *hm);
void mg_ws_client_handshake_done(struct mg_connection *nc,
                                 struct http_message *hm);
void mg_ws_handler(struct mg_connection *nc, int ev, void *ev_data);

struct fz {
  struct mg_mgr mgr;
  struct mg_connection nc, listener;
  int frames;
};

// Reference UTF-8 check, written as a decoder (unlike ws.c's state
// machine): well-formed sequences whose code point is in range for their
// length, not a surrogate, at most U+10FFFF.
static int ref_utf8(const unsigned char *s, size_t n) {
  size_t i = 0, k, len;
  unsigned long cp, min;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    if ((c & 0xe0) == 0xc0) len = 2, cp = c & 0x1f, min = 0x80;
    else if ((c & 0xf0) == 0xe0) len = 3, cp = c & 0x0f, min = 0x800;
    else if ((c & 0xf8) == 0xf0) len = 4, cp = c & 0x07, min = 0x10000;
    else return 0;
    if (i + len > n) return 0;
    for (k = 1; k < len; k++) {
      if ((s[i + k] & 0xc0) != 0x80) return 0;
      cp = cp << 6 | (s[i + k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    i += len;
  }
  return 1;
}

static void fz_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct fz *f = (struct fz *) nc->mgr->user_data;
  struct websocket_message *wm = (struct websocket_message *) ev_data;
  if (ev == MG_EV_WEBSOCKET_FRAME) {
    f->frames++;
    // A whole text message (reassembled, or unfragmented) is valid UTF-8.
    if (wm->flags == 0x81 && !(nc->flags & MG_F_WEBSOCKET_NO_DEFRAG) &&
        !ref_utf8(wm->data, wm->size)) {
      abort();
    }
  } else if (ev == MG_EV_WEBSOCKET_CONTROL_FRAME) {
    if (wm->size > 125 || !(wm->flags & 0x80)) abort();
  }
}

static void fz_init(struct fz *f, int server) {
  memset(f, 0, sizeof(*f));
  f->mgr.user_data = f;
  f->nc.mgr = &f->mgr;
  f->nc.handler = fz_handler;
  f->nc.listener = server ? &f->listener : NULL;
  mbuf_init(&f->nc.recv_mbuf, 0);
  mbuf_init(&f->nc.send_mbuf, 0);
  // Upgraded: the handler creates its state on the first event.
  mg_http_get_proto_data(&f->nc);
  f->nc.flags |= MG_F_IS_WEBSOCKET;
}

static void fz_free(struct fz *f) {
  mg_ws_handler(&f->nc, MG_EV_CLOSE, NULL);
  if (f->nc.proto_data != NULL) f->nc.proto_data_destructor(f->nc.proto_data);
  mbuf_free(&f->nc.recv_mbuf);
  mbuf_free(&f->nc.send_mbuf);
}

static void fz_feed(struct fz *f, const unsigned char *p, size_t n) {
  int k = (int) n;
  mbuf_append(&f->nc.recv_mbuf, p, n);
  mg_ws_handler(&f->nc, MG_EV_RECV, &k);
}

static void fz_stream(int mode, const unsigned char *data, size_t size) {
  struct fz f;
  size_t piece = size > 0 ? 1 + data[0] : 1, pos = 1, n;
  const unsigned char *out;
  fz_init(&f, !(mode & 1));
  if (mode & 2) f.nc.flags |= MG_F_WEBSOCKET_NO_DEFRAG;
  while (pos < size) {
    n = size - pos < piece ? size - pos : piece;
    fz_feed(&f, data + pos, n);
    pos += n;
    if (f.nc.recv_mbuf.len > pos - 1) abort();  // Never more than fed
  }
  // Replies are pongs or one close frame (masked on the client side).
  out = (const unsigned char *) f.nc.send_mbuf.buf;
  if (f.nc.send_mbuf.len > 0 && out[0] != 0x8a && out[0] != 0x88) abort();
  if (f.nc.send_mbuf.len > 0 && ((out[1] & 0x80) != 0) != (mode & 1)) abort();
  fz_free(&f);
}

// Sends a masked (zero key) frame header and payload to a server.
static void fz_frame(struct fz *f, int b0, const unsigned char *p, size_t n) {
  unsigned char h[8];
  size_t hl = 2;
  h[0] = (unsigned char) b0;
  if (n < 126) {
    h[1] = (unsigned char) (0x80 | n);
  } else {
    h[1] = 0x80 | 126, h[2] = (unsigned char) (n >> 8);
    h[3] = (unsigned char) n, hl = 4;
  }
  memset(h + hl, 0, 4);
  mbuf_append(&f->nc.recv_mbuf, h, hl + 4);
  fz_feed(f, p, n);
}

static void fz_utf8(const unsigned char *data, size_t size) {
  struct fz f;
  size_t split;
  if (size < 1 || size - 1 > 65535) return;
  split = data[0] % size;  // 0 .. size - 1: within the payload
  fz_init(&f, 1);
  fz_frame(&f, 0x01, data + 1, split);
  fz_frame(&f, 0x80, data + 1 + split, size - 1 - split);
  if (f.frames != (ref_utf8(data + 1, size - 1) ? 1 : 0)) abort();
  fz_free(&f);
}

static void fz_handshake(const unsigned char *data, size_t size) {
  struct fz f;
  struct http_message hm;
  int n;
  fz_init(&f, 1);
  f.nc.flags &= ~(unsigned long) MG_F_IS_WEBSOCKET;
  mbuf_append(&f.nc.recv_mbuf, data, size);
  n = mg_parse_http(f.nc.recv_mbuf.buf, (int) f.nc.recv_mbuf.len, &hm, 1);
  if (n > 0 && mg_ws_is_upgrade(&hm)) {
    mg_ws_handshake(&f.nc, &hm);
    // Upgraded only with a 101, and a 101 only when upgraded.
    if (((f.nc.flags & MG_F_IS_WEBSOCKET) != 0) !=
        (f.nc.send_mbuf.len > 12 &&
         memcmp(f.nc.send_mbuf.buf, "HTTP/1.1 101 ", 13) == 0)) {
      abort();
    }
  }
  fz_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  if (data[0] % 6 < 4) fz_stream(data[0] % 6, data + 1, size - 1);
  if (data[0] % 6 == 4) fz_utf8(data + 1, size - 1);
  if (data[0] % 6 == 5) fz_handshake(data + 1, size - 1);
  return 0;
}
