#include "http_internal.h"
#include "sha1.h"

// WebSocket (RFC 6455): the frame codec, reassembly, control frames, the
// closing handshake and the protocol handler of an upgraded connection.
// The handshakes are in ws_handshake.c.
//
// Decisions, beyond what the RFC fixes:
// - A received length that is not in its shortest encoding (126 for a
//   payload under 126, 127 for one under 65536) fails the connection with
//   1002, like a 64-bit length with the top bit set: RFC 6455 5.2 says "the
//   minimal number of bytes MUST be used", and accepting two encodings of
//   one frame only helps smuggling.
// - The message size limit MG_MAX_WEBSOCKET_MESSAGE applies to the whole
//   reassembled message, and, with MG_F_WEBSOCKET_NO_DEFRAG, to each frame
//   (a frame is always buffered whole). It is checked on the header, before
//   the payload is buffered.
// - Client masking keys and handshake nonces come from SHA-1 in counter
//   mode over a 16-byte seed read from /dev/urandom when the connection
//   first needs one. RFC 6455 10.3 asks for keys an attacker cannot
//   predict; a plain xorshift or splitmix state can be recovered from a few
//   observed masks. Reading the seed per connection keeps threads that run
//   separate managers free of shared state.
// - Frames the application sends after our close frame are dropped.
// - After sending a close frame we wait MG_WEBSOCKET_CLOSE_WAIT seconds for
//   the peer's, then close the TCP connection anyway.

#if MG_ENABLE_HTTP && MG_ENABLE_HTTP_WEBSOCKET

#define WS_CLOSE_PROTOCOL_ERROR 1002
#define WS_CLOSE_INVALID_DATA 1007
#define WS_CLOSE_TOO_BIG 1009
#define WS_UTF8_BAD 0x80000000UL  // ws_utf8() result for invalid input
// Seconds to wait for the peer's close frame after we sent ours, then the
// TCP connection is closed anyway. (A limit: belongs in config.h.)
#ifndef MG_WEBSOCKET_CLOSE_WAIT
#define MG_WEBSOCKET_CLOSE_WAIT 5
#endif

// A parsed frame header.
struct ws_frame {
  unsigned char b0;       // FIN, RSV1-3 and the opcode
  unsigned char masked;   // MASK bit
  unsigned char mask[4];  // Masking key, when masked
  uint64_t len;           // Payload length
};

// ---- Frame codec ------------------------------------------------------------

// Parses a frame header from s (n bytes) into f. Returns the header length,
// 0 if more bytes are needed, -1 if the length is malformed: a 64-bit length
// with the top bit set, or one not in its shortest encoding.
static int ws_parse_header(const unsigned char *s, size_t n,
                           struct ws_frame *f) {
  size_t hl = 2, i;
  uint64_t len;
  if (n < 2) return 0;
  len = s[1] & 0x7f;
  if (len == 126) hl += 2;
  if (len == 127) hl += 8;
  if (s[1] & 0x80) hl += 4;
  if (n < hl) return 0;
  if (len == 126) {
    len = (uint64_t) s[2] << 8 | s[3];
    if (len < 126) return -1;
  } else if (len == 127) {
    for (len = 0, i = 2; i < 10; i++) len = len << 8 | s[i];
    if ((len >> 63) != 0 || len <= 0xffff) return -1;
  }
  f->b0 = s[0];
  f->masked = (unsigned char) ((s[1] & 0x80) != 0);
  if (f->masked) memcpy(f->mask, s + hl - 4, 4);
  f->len = len;
  return (int) hl;
}

// Writes a frame header for op_and_flags (opcode | WEBSOCKET_DONT_FIN) and
// len payload bytes into h (14 bytes at most), with the shortest length
// encoding and the masking key mask (NULL: unmasked). Returns its length.
static size_t ws_encode_header(unsigned char *h, int op_and_flags, uint64_t len,
                               const unsigned char *mask) {
  size_t n = 2, i;
  h[0] = (unsigned char) (op_and_flags & 0x0f);
  if (!(op_and_flags & WEBSOCKET_DONT_FIN)) h[0] |= 0x80;
  if (len < 126) {
    h[1] = (unsigned char) len;
  } else if (len <= 0xffff) {
    h[1] = 126;
    h[2] = (unsigned char) (len >> 8);
    h[3] = (unsigned char) len;
    n = 4;
  } else {
    h[1] = 127;
    for (i = 0; i < 8; i++) h[2 + i] = (unsigned char) (len >> (56 - 8 * i));
    n = 10;
  }
  if (mask != NULL) {
    h[1] |= 0x80;
    memcpy(h + n, mask, 4);
    n += 4;
  }
  return n;
}

// XORs n bytes at p with the 4-byte masking key (in place; masking and
// unmasking are the same). Eight bytes at a time through memcpy, which
// compilers turn into plain loads without alignment assumptions.
static void ws_mask(unsigned char *p, size_t n, const unsigned char mask[4]) {
  unsigned char k8[8];
  uint64_t k, w;
  size_t i;
  memcpy(k8, mask, 4);
  memcpy(k8 + 4, mask, 4);
  memcpy(&k, k8, sizeof(k));
  for (i = 0; i + 8 <= n; i += 8) {
    memcpy(&w, p + i, sizeof(w));
    w ^= k;
    memcpy(p + i, &w, sizeof(w));
  }
  for (; i < n; i++) p[i] ^= mask[i & 3];
}

// Incremental UTF-8 validator (RFC 3629): no overlong forms, no surrogates,
// nothing above U+10FFFF. st is 0 at the start of a message; pass each
// returned state to the next call. Returns WS_UTF8_BAD on invalid input;
// otherwise 0 if the bytes so far end on a character boundary. The state
// packs the continuation bytes still needed and the range of the next one.
static unsigned long ws_utf8(unsigned long st, const unsigned char *s,
                             size_t n) {
  unsigned long need = st & 0xff, lo = (st >> 8) & 0xff, hi = st >> 16;
  size_t i;
  if (st == WS_UTF8_BAD) return st;
  for (i = 0; i < n; i++) {
    unsigned char c = s[i];
    if (need > 0) {
      if (c < lo || c > hi) return WS_UTF8_BAD;
      need--, lo = 0x80, hi = 0xbf;
    } else if (c < 0x80) {
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      need = 1, lo = 0x80, hi = 0xbf;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
    } else {
      return WS_UTF8_BAD;  // 0x80-0xc1 as a lead byte, or 0xf5-0xff
    }
  }
  return need == 0 ? 0 : need | lo << 8 | hi << 16;
}

// True if a close frame may carry code (RFC 6455 7.4 and the IANA
// registry): 1000-1003, 1007-1014, 3000-4999.
static int ws_close_code_ok(int code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

// ---- Randomness
// --------------------------------------------------------------

// Fills ws->seed from /dev/urandom; without it, from the clock and
// addresses (weak, logged, but never a fixed key).
static void ws_seed(struct mg_ws_state *ws) {
  FILE *fp = fopen("/dev/urandom", "rb");
  size_t got = 0;
  if (fp != NULL) {
    got = fread(ws->seed, 1, sizeof(ws->seed), fp);
    fclose(fp);
  }
  if (got != sizeof(ws->seed)) {
    struct {
      double t;
      clock_t c;
      uintptr_t a;
    } e;
    const uint8_t *msgs[1];
    size_t lens[1];
    unsigned char sha[20];
    MG_ERROR(("/dev/urandom unreadable: weak WebSocket masking keys"));
    memset(&e, 0, sizeof(e));
    e.t = mg_time(), e.c = clock(), e.a = (uintptr_t) ws;
    msgs[0] = (const uint8_t *) &e, lens[0] = sizeof(e);
    mg_hash_sha1_v(1, msgs, lens, sha);
    memcpy(ws->seed, sha, sizeof(ws->seed));
  }
  ws->seeded = 1;
  ws->pool_used = sizeof(ws->pool);
}

// Puts n unpredictable bytes into out: SHA-1(seed, counter) blocks.
void mg_ws_random(struct mg_ws_state *ws, unsigned char *out, size_t n) {
  unsigned char ctr[8];
  const uint8_t *msgs[2];
  size_t lens[2], i;
  if (!ws->seeded) ws_seed(ws);
  while (n-- > 0) {
    if (ws->pool_used >= sizeof(ws->pool)) {
      for (i = 0; i < 8; i++) ctr[i] = (unsigned char) (ws->counter >> 8 * i);
      msgs[0] = ws->seed, lens[0] = sizeof(ws->seed);
      msgs[1] = ctr, lens[1] = sizeof(ctr);
      mg_hash_sha1_v(2, msgs, lens, ws->pool);
      ws->counter++;
      ws->pool_used = 0;
    }
    *out++ = ws->pool[ws->pool_used++];
  }
}

// ---- State
// -------------------------------------------------------------------

// Allocates the state, with a copy of the offered subprotocols after it.
struct mg_ws_state *mg_ws_state_new(struct mg_str protocols) {
  struct mg_ws_state *ws =
      (struct mg_ws_state *) MG_CALLOC(1, sizeof(*ws) + protocols.len + 1);
  if (ws == NULL) return NULL;
  ws->protocols = (char *) (ws + 1);
  if (protocols.len > 0) memcpy(ws->protocols, protocols.p, protocols.len);
  ws->last_io = mg_time();
  return ws;
}

// The state of a WebSocket connection, or NULL.
static struct mg_ws_state *ws_state_of(struct mg_connection *nc) {
  struct mg_http_proto_data *pd = (struct mg_http_proto_data *) nc->proto_data;
  if (!(nc->flags & MG_F_IS_WEBSOCKET) || pd == NULL) return NULL;
  return pd->ws;
}

// ---- Sending
// -----------------------------------------------------------------

// mg_send() for any size (mg_send() takes an int).
static void ws_send_big(struct mg_connection *nc, const char *p, size_t n) {
  while (n > 0) {
    int k = n > (size_t) 1 << 30 ? 1 << 30 : (int) n;
    mg_send(nc, p, k);
    p += k;
    n -= (size_t) k;
  }
}

void mg_send_websocket_framev(struct mg_connection *nc, int op_and_flags,
                              const struct mg_str *strings, int num_strings) {
  struct mg_ws_state *ws = ws_state_of(nc), tmp;
  unsigned char hdr[14], mask[4];
  uint64_t len = 0;
  size_t hl, off;
  int i, client = nc->listener == NULL;
  // Nothing may follow our close frame (RFC 6455 5.5.1).
  if (ws != NULL && ws->close_sent) {
    MG_DEBUG(("%p frame after close dropped", (void *) nc));
    return;
  }
  for (i = 0; i < num_strings; i++) len += strings[i].len;
  if (client) {
    if (ws == NULL) memset(&tmp, 0, sizeof(tmp));  // Fresh seed, this once
    mg_ws_random(ws != NULL ? ws : &tmp, mask, sizeof(mask));
  }
  hl = ws_encode_header(hdr, op_and_flags, len, client ? mask : NULL);
  mg_send(nc, hdr, (int) hl);
  off = nc->send_mbuf.len;
  for (i = 0; i < num_strings; i++) {
    ws_send_big(nc, strings[i].p, strings[i].len);
  }
  // Masked in send_mbuf: no copy of the payload.
  if (client)
    ws_mask((unsigned char *) nc->send_mbuf.buf + off, nc->send_mbuf.len - off,
            mask);
  if ((op_and_flags & 0x0f) == WEBSOCKET_OP_CLOSE && ws != NULL &&
      !ws->close_sent) {
    ws->close_sent = 1;
    ws->close_time = mg_time();
  }
  if (ws != NULL) ws->last_io = mg_time();
}

void mg_send_websocket_frame(struct mg_connection *nc, int op_and_flags,
                             const void *data, size_t data_len) {
  struct mg_str s;
  s.p = (const char *) data;
  s.len = data == NULL ? 0 : data_len;
  mg_send_websocket_framev(nc, op_and_flags, &s, 1);
}

void mg_printf_websocket_frame(struct mg_connection *nc, int op_and_flags,
                               const char *fmt, ...) {
  char mem[256], *buf = mem;
  int len;
  va_list ap;
  va_start(ap, fmt);
  len = mg_avprintf(&buf, sizeof(mem), fmt, ap);
  va_end(ap);
  if (len >= 0) mg_send_websocket_frame(nc, op_and_flags, buf, (size_t) len);
  if (buf != mem) MG_FREE(buf);
}

// Sends a close frame with code (0: none), unless one went out already.
static void ws_send_close(struct mg_connection *nc, struct mg_ws_state *ws,
                          int code) {
  unsigned char b[2];
  if (ws->close_sent) return;
  b[0] = (unsigned char) (code >> 8);
  b[1] = (unsigned char) code;
  mg_send_websocket_frame(nc, WEBSOCKET_OP_CLOSE, b, code > 0 ? 2 : 0);
}

// ---- Receiving
// ---------------------------------------------------------------

// Fails the connection (RFC 6455 7.1.7): a close frame with code, then
// the TCP close once it is sent. Later input is ignored.
static void ws_fail(struct mg_connection *nc, struct mg_ws_state *ws,
                    int code) {
  MG_DEBUG(("%p WebSocket failed with %d", (void *) nc, code));
  ws_send_close(nc, ws, code);
  ws->closing = 1;
  nc->flags |= MG_F_SEND_AND_CLOSE;
}

static void ws_deliver(struct mg_connection *nc, int ev, unsigned char *p,
                       size_t len, int flags) {
  struct websocket_message wsm;
  wsm.data = p;
  wsm.size = len;
  wsm.flags = (unsigned char) flags;
  mg_http_call_endpoint_handler(nc, ev, &wsm);
}

// Checks a frame header against the protocol and the connection's state.
// Returns 0 if it is acceptable, else the close code to fail with.
static int ws_check_frame(struct mg_connection *nc, struct mg_ws_state *ws,
                          const struct ws_frame *f) {
  int op = f->b0 & 0x0f, server = nc->listener != NULL;
  if (f->b0 & 0x70) return WS_CLOSE_PROTOCOL_ERROR;  // No extension: no RSV
  if (f->masked != server) return WS_CLOSE_PROTOCOL_ERROR;
  if ((op >= 3 && op <= 7) || op >= 11) return WS_CLOSE_PROTOCOL_ERROR;
  if (op >= 8) {
    if (!(f->b0 & 0x80) || f->len > 125) return WS_CLOSE_PROTOCOL_ERROR;
    return 0;
  }
  if ((op == 0) != (ws->msg_op != 0)) return WS_CLOSE_PROTOCOL_ERROR;
  if (f->len > (uint64_t) MG_MAX_WEBSOCKET_MESSAGE ||
      ws->msg_len + f->len > (uint64_t) MG_MAX_WEBSOCKET_MESSAGE) {
    return WS_CLOSE_TOO_BIG;
  }
  return 0;
}

// A close frame from the peer (payload p, len bytes, unmasked).
static void ws_on_close(struct mg_connection *nc, struct mg_ws_state *ws,
                        unsigned char *p, size_t len) {
  int code = len >= 2 ? p[0] << 8 | p[1] : 0;
  if (len == 1 || (len >= 2 && !ws_close_code_ok(code))) {
    ws_fail(nc, ws, WS_CLOSE_PROTOCOL_ERROR);
  } else if (len > 2 && ws_utf8(0, p + 2, len - 2) != 0) {
    ws_fail(nc, ws, WS_CLOSE_INVALID_DATA);
  } else {
    ws_deliver(nc, MG_EV_WEBSOCKET_CONTROL_FRAME, p, len,
               0x80 | WEBSOCKET_OP_CLOSE);
    ws_send_close(nc, ws, code);  // The echo, unless we started the close
    ws->closing = 1;
    nc->flags |= MG_F_SEND_AND_CLOSE;
  }
}

// A data frame (text, binary or continuation) whose payload (len bytes,
// unmasked) is at offset off of recv_mbuf.
static void ws_on_data(struct mg_connection *nc, struct mg_ws_state *ws,
                       const struct ws_frame *f, size_t off) {
  struct mbuf *io = &nc->recv_mbuf;
  unsigned char *p = (unsigned char *) io->buf + off;
  size_t len = (size_t) f->len;
  int op = f->b0 & 0x0f, fin = f->b0 & 0x80;
  if (op != 0) {  // The first frame of a message
    ws->msg_op = (unsigned char) op;
    ws->msg_defrag = !(nc->flags & MG_F_WEBSOCKET_NO_DEFRAG);
    ws->utf8 = 0;
  }
  if (ws->msg_op == WEBSOCKET_OP_TEXT) {
    ws->utf8 = ws_utf8(ws->utf8, p, len);
    if (ws->utf8 == WS_UTF8_BAD || (fin && ws->utf8 != 0)) {
      ws_fail(nc, ws, WS_CLOSE_INVALID_DATA);
      return;
    }
  }
  if (!ws->msg_defrag) {
    ws_deliver(nc, MG_EV_WEBSOCKET_FRAME, p, len, f->b0 & 0x8f);
  } else if (fin && ws->msg_len == 0) {  // Whole message in place
    ws_deliver(nc, MG_EV_WEBSOCKET_FRAME, p, len, 0x80 | ws->msg_op);
  } else {
    memmove(io->buf + ws->msg_len, p, len);  // Joins the earlier fragments
    ws->msg_len += len;
    if (fin) {
      ws_deliver(nc, MG_EV_WEBSOCKET_FRAME, (unsigned char *) io->buf,
                 ws->msg_len, 0x80 | ws->msg_op);
      ws->msg_len = 0;
    }
  }
  if (fin) ws->msg_op = 0;
}

// A complete frame whose payload (unmasked) is at offset off of recv_mbuf.
static void ws_on_frame(struct mg_connection *nc, struct mg_ws_state *ws,
                        const struct ws_frame *f, size_t off) {
  unsigned char *p = (unsigned char *) nc->recv_mbuf.buf + off;
  size_t len = (size_t) f->len;
  switch (f->b0 & 0x0f) {
    case WEBSOCKET_OP_CLOSE:
      ws_on_close(nc, ws, p, len);
      break;
    case WEBSOCKET_OP_PING:
      if (!ws->close_sent)
        mg_send_websocket_frame(nc, WEBSOCKET_OP_PONG, p, len);
      ws_deliver(nc, MG_EV_WEBSOCKET_CONTROL_FRAME, p, len, f->b0);
      break;
    case WEBSOCKET_OP_PONG:  // Solicited or not: nothing to do
      ws_deliver(nc, MG_EV_WEBSOCKET_CONTROL_FRAME, p, len, f->b0);
      break;
    default:
      ws_on_data(nc, ws, f, off);
      break;
  }
}

// Handles every complete frame in recv_mbuf. The message being reassembled
// stays at the start of recv_mbuf (ws->msg_len bytes); frames are read from
// offset rd after it, and the consumed span is cut out once at the end.
static void ws_process(struct mg_connection *nc, struct mg_ws_state *ws) {
  struct mbuf *io = &nc->recv_mbuf;
  size_t rd = ws->msg_len;
  struct ws_frame f;
  int n, code;
  while (!ws->closing && rd < io->len) {
    n = ws_parse_header((unsigned char *) io->buf + rd, io->len - rd, &f);
    code = n < 0    ? WS_CLOSE_PROTOCOL_ERROR
           : n == 0 ? 0
                    : ws_check_frame(nc, ws, &f);
    if (code != 0) ws_fail(nc, ws, code);
    if (code != 0 || n == 0 || (uint64_t) (io->len - rd - (size_t) n) < f.len)
      break;
    rd += (size_t) n;
    if (f.masked)
      ws_mask((unsigned char *) io->buf + rd, (size_t) f.len, f.mask);
    ws_on_frame(nc, ws, &f, rd);
    rd += (size_t) f.len;
  }
  if (ws->closing) {
    mbuf_clear(io);
    ws->msg_len = 0;
    ws->msg_op = 0;
  } else if (rd > ws->msg_len) {
    memmove(io->buf + ws->msg_len, io->buf + rd, io->len - rd);
    io->len -= rd - ws->msg_len;
  }
}

// Sends pings on silence, and gives up on a peer that does not answer our
// close frame.
static void ws_poll(struct mg_connection *nc, struct mg_ws_state *ws,
                    double now) {
  if (ws->close_sent && now - ws->close_time > MG_WEBSOCKET_CLOSE_WAIT) {
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  }
#if MG_WEBSOCKET_PING_INTERVAL > 0
  if (!ws->close_sent && now - ws->last_io >= MG_WEBSOCKET_PING_INTERVAL) {
    mg_send_websocket_frame(nc, WEBSOCKET_OP_PING, NULL, 0);
  }
#endif
}

void mg_ws_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct mg_http_proto_data *pd = (struct mg_http_proto_data *) nc->proto_data;
  struct mg_ws_state *ws = pd != NULL ? pd->ws : NULL;
  (void) ev_data;
  if (ev == MG_EV_CLOSE) {
    if (ws != NULL) MG_FREE(ws);
    if (pd != NULL) pd->ws = NULL;
    return;
  }
  if (pd == NULL) return;
  if (ws == NULL && (ws = pd->ws = mg_ws_state_new(mg_mk_str(NULL))) == NULL) {
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    return;
  }
  if (ev == MG_EV_RECV) {
    ws->last_io = mg_time();
    if (ws->closing) {
      mbuf_clear(&nc->recv_mbuf);
    } else {
      ws_process(nc, ws);
    }
  } else if (ev == MG_EV_POLL) {
    ws_poll(nc, ws, mg_time());
  }
}

void mg_ws_proto_handler(struct mg_connection *nc, int ev,
                         void *ev_data MG_UD_ARG(void *user_data)) {
  MG_UD_UNUSED;
  // Every core event reaches the user handler first, as in 6.x; the close
  // also reaches the endpoint that took the upgrade.
  if (ev == MG_EV_CLOSE) {
    mg_http_call_close(nc, ev_data);
  } else {
    mg_call_user(nc, ev, ev_data);
  }
  mg_ws_handler(nc, ev, ev_data);
}

#endif  // MG_ENABLE_HTTP && MG_ENABLE_HTTP_WEBSOCKET
