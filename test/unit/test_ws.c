// Unit tests for src/ws.c: the frame codec (lengths, masking), the UTF-8
// validator, close codes, the protocol rules of RFC 6455 and both
// handshakes. No sockets: a connection struct is driven through the hooks
// the HTTP protocol handler calls (mg_ws_handshake, mg_ws_handler, ...),
// and tests look at the bytes queued in send_mbuf.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mongoose.h"

// The hooks from src/http_internal.h (not part of mongoose.h).
struct mg_http_proto_data;
struct mg_http_proto_data *mg_http_get_proto_data(struct mg_connection *nc);
int mg_ws_is_upgrade(struct http_message *hm);
void mg_ws_handshake(struct mg_connection *nc, struct http_message *hm);
void mg_ws_handler(struct mg_connection *nc, int ev, void *ev_data);
void mg_ws_proto_handler(struct mg_connection *nc, int ev, void *ev_data);

// A connection without a socket, and what its handler saw.
struct fake {
  struct mg_mgr mgr;
  struct mg_connection nc, listener;
  int frames, controls, requests, done, done_code;
  unsigned char frame_flags, control_flags;
  struct mbuf frame, control;  // Payload of the last event of each kind
  int refuse;                  // Handler refuses the handshake: 1 answers,
                               // 2 closes
};

static void fake_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct fake *f = (struct fake *) nc->mgr->user_data;
  struct websocket_message *wm = (struct websocket_message *) ev_data;
  struct http_message *hm = (struct http_message *) ev_data;
  if (ev == MG_EV_WEBSOCKET_FRAME) {
    f->frames++;
    f->frame_flags = wm->flags;
    mbuf_clear(&f->frame);
    mbuf_append(&f->frame, wm->data, wm->size);
  } else if (ev == MG_EV_WEBSOCKET_CONTROL_FRAME) {
    f->controls++;
    f->control_flags = wm->flags;
    mbuf_clear(&f->control);
    mbuf_append(&f->control, wm->data, wm->size);
  } else if (ev == MG_EV_WEBSOCKET_HANDSHAKE_REQUEST) {
    f->requests++;
    if (f->refuse == 1) mg_http_send_error(nc, 403, NULL);
    if (f->refuse == 2) nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  } else if (ev == MG_EV_WEBSOCKET_HANDSHAKE_DONE) {
    f->done++;
    f->done_code = hm->resp_code;
  }
}

static void fake_init(struct fake *f, int server) {
  memset(f, 0, sizeof(*f));
  f->mgr.user_data = f;
  f->nc.mgr = &f->mgr;
  f->nc.handler = fake_handler;
  f->nc.listener = server ? &f->listener : NULL;
  mbuf_init(&f->nc.recv_mbuf, 0);
  mbuf_init(&f->nc.send_mbuf, 0);
  mbuf_init(&f->frame, 0);
  mbuf_init(&f->control, 0);
}

static void fake_free(struct fake *f) {
  mg_ws_handler(&f->nc, MG_EV_CLOSE, NULL);
  if (f->nc.proto_data != NULL) f->nc.proto_data_destructor(f->nc.proto_data);
  mbuf_free(&f->nc.recv_mbuf);
  mbuf_free(&f->nc.send_mbuf);
  mbuf_free(&f->frame);
  mbuf_free(&f->control);
}

// Feeds n bytes to the WebSocket handler as one MG_EV_RECV.
static void fake_recv(struct fake *f, const void *p, size_t n) {
  int k = (int) n;
  mbuf_append(&f->nc.recv_mbuf, p, n);
  mg_ws_handler(&f->nc, MG_EV_RECV, &k);
}

// Puts request into recv_mbuf and runs the server handshake on it, as the
// protocol handler does (the head is removed afterwards).
static void fake_request(struct fake *f, const char *request) {
  struct http_message hm;
  int n;
  mbuf_append(&f->nc.recv_mbuf, request, strlen(request));
  n = mg_parse_http(f->nc.recv_mbuf.buf, (int) f->nc.recv_mbuf.len, &hm, 1);
  assert_true(n > 0);
  assert_true(mg_ws_is_upgrade(&hm));
  mg_ws_handshake(&f->nc, &hm);
  mbuf_remove(&f->nc.recv_mbuf, (size_t) n);
}

#define GOOD_REQUEST(extra)                           \
  "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n" \
  "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"  \
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" extra "\r\n"

// A server connection after a successful handshake, send_mbuf emptied.
static void fake_server(struct fake *f) {
  fake_init(f, 1);
  fake_request(f, GOOD_REQUEST(""));
  assert_true(f->nc.flags & MG_F_IS_WEBSOCKET);
  assert_true(f->nc.proto_handler == mg_ws_proto_handler);
  mbuf_clear(&f->nc.send_mbuf);
}

// Returns the status code of the response queued in send_mbuf.
static int sent_status(struct fake *f) {
  if (f->nc.send_mbuf.len < 12) return 0;
  return atoi(f->nc.send_mbuf.buf + 9);
}

static int sent_has(struct fake *f, const char *s) {
  struct mg_str sent = mg_mk_str_n(f->nc.send_mbuf.buf, f->nc.send_mbuf.len);
  return mg_strstr(sent, mg_mk_str(s)) != NULL;
}

// Builds a frame: b0 (FIN/RSV/opcode), masked with key when key != NULL.
static size_t make_frame(unsigned char *out, int b0, const unsigned char *key,
                         const void *data, size_t len) {
  size_t n = 2, i;
  out[0] = (unsigned char) b0;
  if (len < 126) {
    out[1] = (unsigned char) len;
  } else if (len < 65536) {
    out[1] = 126, out[2] = (unsigned char) (len >> 8);
    out[3] = (unsigned char) len, n = 4;
  } else {
    out[1] = 127;
    for (i = 0; i < 8; i++) out[2 + i] = (unsigned char) ((uint64_t) len >> (56 - 8 * i));
    n = 10;
  }
  if (key != NULL) {
    out[1] |= 0x80;
    memcpy(out + n, key, 4);
    n += 4;
  }
  for (i = 0; i < len; i++) {
    out[n + i] = ((const unsigned char *) data)[i] ^ (key ? key[i & 3] : 0);
  }
  return n + len;
}

static const unsigned char s_key[4] = {0x37, 0xfa, 0x21, 0x3d};

// Sends a masked client frame to a fake server.
static void client_frame(struct fake *f, int b0, const void *data,
                         size_t len) {
  unsigned char *buf = (unsigned char *) malloc(len + 14);
  assert_non_null(buf);
  fake_recv(f, buf, make_frame(buf, b0, s_key, data, len));
  free(buf);
}

// True if send_mbuf holds exactly a server close frame with code (and the
// connection is set to close after it).
static int sent_close(struct fake *f, int code) {
  const unsigned char *s = (const unsigned char *) f->nc.send_mbuf.buf;
  return f->nc.send_mbuf.len == 4 && s[0] == 0x88 && s[1] == 2 &&
         (s[2] << 8 | s[3]) == code && (f->nc.flags & MG_F_SEND_AND_CLOSE);
}

// ---- Encoding -----------------------------------------------------------------

// A server frame of len bytes has the header hdr (hdr_len bytes).
static void check_server_header(size_t len, const unsigned char *hdr,
                                size_t hdr_len) {
  struct fake f;
  char *payload = (char *) calloc(1, len + 1);
  assert_non_null(payload);
  fake_server(&f);
  mg_send_websocket_frame(&f.nc, WEBSOCKET_OP_BINARY, payload, len);
  assert_int_equal(f.nc.send_mbuf.len, hdr_len + len);
  assert_memory_equal(f.nc.send_mbuf.buf, hdr, hdr_len);
  free(payload);
  fake_free(&f);
}

static void test_ws_encode_uses_shortest_length(void **state) {
  static const unsigned char h0[] = {0x82, 0};
  static const unsigned char h125[] = {0x82, 125};
  static const unsigned char h126[] = {0x82, 126, 0, 126};
  static const unsigned char h65535[] = {0x82, 126, 0xff, 0xff};
  static const unsigned char h65536[] = {0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0};
  static const unsigned char h16m[] = {0x82, 127, 0, 0, 0, 0, 1, 0, 0, 0};
  (void) state;
  check_server_header(0, h0, sizeof(h0));
  check_server_header(125, h125, sizeof(h125));
  check_server_header(126, h126, sizeof(h126));
  check_server_header(65535, h65535, sizeof(h65535));
  check_server_header(65536, h65536, sizeof(h65536));
  check_server_header(16 * 1024 * 1024, h16m, sizeof(h16m));
}

static void test_ws_dont_fin_clears_fin(void **state) {
  struct fake f;
  (void) state;
  fake_server(&f);
  mg_send_websocket_frame(&f.nc, WEBSOCKET_OP_TEXT | WEBSOCKET_DONT_FIN, "a",
                          1);
  mg_send_websocket_frame(&f.nc, WEBSOCKET_OP_CONTINUE, "b", 1);
  assert_int_equal(f.nc.send_mbuf.len, 6);
  assert_memory_equal(f.nc.send_mbuf.buf, "\x01\x01" "a" "\x80\x01" "b", 6);
  fake_free(&f);
}

static void test_ws_framev_and_printf_concatenate(void **state) {
  struct fake f;
  struct mg_str parts[3];
  (void) state;
  fake_server(&f);
  parts[0] = mg_mk_str("ab");
  parts[1] = mg_mk_str("");
  parts[2] = mg_mk_str("cd");
  mg_send_websocket_framev(&f.nc, WEBSOCKET_OP_TEXT, parts, 3);
  mg_printf_websocket_frame(&f.nc, WEBSOCKET_OP_TEXT, "%d-%s", 42, "x");
  assert_int_equal(f.nc.send_mbuf.len, 6 + 6);
  assert_memory_equal(f.nc.send_mbuf.buf, "\x81\x04" "abcd" "\x81\x04" "42-x",
                      12);
  fake_free(&f);
}

// A client connection that finished its handshake, send_mbuf emptied.
static void fake_client(struct fake *f);

static void test_ws_client_masks_with_fresh_keys(void **state) {
  struct fake f;
  const unsigned char *s;
  unsigned char k1[4], k2[4], p[5];
  size_t i;
  (void) state;
  fake_client(&f);
  mg_send_websocket_frame(&f.nc, WEBSOCKET_OP_TEXT, "hello", 5);
  mg_send_websocket_frame(&f.nc, WEBSOCKET_OP_TEXT, "hello", 5);
  s = (const unsigned char *) f.nc.send_mbuf.buf;
  assert_int_equal(f.nc.send_mbuf.len, 2 * (2 + 4 + 5));
  assert_int_equal(s[0], 0x81);
  assert_int_equal(s[1], 0x80 | 5);  // MASK bit set
  memcpy(k1, s + 2, 4);
  memcpy(k2, s + 11 + 2, 4);
  assert_memory_not_equal(k1, k2, 4);
  for (i = 0; i < 5; i++) p[i] = s[6 + i] ^ k1[i & 3];
  assert_memory_equal(p, "hello", 5);
  for (i = 0; i < 5; i++) p[i] = s[11 + 6 + i] ^ k2[i & 3];
  assert_memory_equal(p, "hello", 5);
  fake_free(&f);
}

static void test_ws_server_does_not_mask(void **state) {
  struct fake f;
  (void) state;
  fake_server(&f);
  mg_send_websocket_frame(&f.nc, WEBSOCKET_OP_BINARY, "xyz", 3);
  assert_memory_equal(f.nc.send_mbuf.buf, "\x82\x03xyz", 5);
  fake_free(&f);
}

// ---- Round trips: our client's frames into our server --------------------------

static void round_trip(size_t len) {
  struct fake c, s;
  unsigned char *payload = (unsigned char *) malloc(len + 1);
  size_t i;
  assert_non_null(payload);
  for (i = 0; i < len; i++) payload[i] = (unsigned char) (i * 7 + (i >> 8));
  fake_client(&c);
  fake_server(&s);
  mg_send_websocket_frame(&c.nc, WEBSOCKET_OP_BINARY, payload, len);
  fake_recv(&s, c.nc.send_mbuf.buf, c.nc.send_mbuf.len);
  assert_int_equal(s.frames, 1);
  assert_int_equal(s.frame_flags, 0x80 | WEBSOCKET_OP_BINARY);
  assert_int_equal(s.frame.len, len);
  if (len > 0) assert_memory_equal(s.frame.buf, payload, len);
  assert_int_equal(s.nc.recv_mbuf.len, 0);
  assert_int_equal(s.nc.send_mbuf.len, 0);
  // And back: the server's frame to the client.
  mg_send_websocket_frame(&s.nc, WEBSOCKET_OP_BINARY, payload, len);
  fake_recv(&c, s.nc.send_mbuf.buf, s.nc.send_mbuf.len);
  assert_int_equal(c.frames, 1);
  assert_int_equal(c.frame.len, len);
  if (len > 0) assert_memory_equal(c.frame.buf, payload, len);
  free(payload);
  fake_free(&c);
  fake_free(&s);
}

static void test_ws_round_trip_every_length_class(void **state) {
  (void) state;
  round_trip(0);
  round_trip(1);
  round_trip(125);
  round_trip(126);
  round_trip(65535);
  round_trip(65536);
  round_trip(16 * 1024 * 1024);  // MG_MAX_WEBSOCKET_MESSAGE: still allowed
}

static void test_ws_frames_split_at_every_byte(void **state) {
  struct fake s;
  unsigned char buf[300];
  char payload[200];
  size_t n, i;
  (void) state;
  memset(payload, 'q', sizeof(payload));
  n = make_frame(buf, 0x81, s_key, payload, sizeof(payload));
  fake_server(&s);
  for (i = 0; i < n; i++) fake_recv(&s, buf + i, 1);
  assert_int_equal(s.frames, 1);
  assert_int_equal(s.frame.len, sizeof(payload));
  assert_memory_equal(s.frame.buf, payload, sizeof(payload));
  fake_free(&s);
}

static void test_ws_many_frames_in_one_read(void **state) {
  struct fake s;
  unsigned char buf[1000];
  size_t n = 0;
  int i;
  (void) state;
  fake_server(&s);
  for (i = 0; i < 20; i++) n += make_frame(buf + n, 0x82, s_key, "abc", 3);
  n += make_frame(buf + n, 0x82, s_key, "ab", 2);
  fake_recv(&s, buf, n - 1);  // The last frame is incomplete
  assert_int_equal(s.frames, 20);
  assert_int_equal(s.nc.recv_mbuf.len, 7);
  fake_recv(&s, buf + n - 1, 1);
  assert_int_equal(s.frames, 21);
  assert_int_equal(s.nc.recv_mbuf.len, 0);
  fake_free(&s);
}

// ---- Fragmentation ---------------------------------------------------------------

static void test_ws_fragments_reassembled_with_control_between(void **state) {
  struct fake s;
  unsigned char buf[200];
  size_t n = 0;
  (void) state;
  fake_server(&s);
  n += make_frame(buf + n, 0x01, s_key, "Hel", 3);
  n += make_frame(buf + n, 0x89, s_key, "p", 1);  // Ping between fragments
  n += make_frame(buf + n, 0x00, s_key, "lo, ", 4);
  n += make_frame(buf + n, 0x00, s_key, "", 0);
  fake_recv(&s, buf, n);
  assert_int_equal(s.frames, 0);
  assert_int_equal(s.controls, 1);
  assert_int_equal(s.control_flags, 0x89);
  assert_memory_equal(s.nc.send_mbuf.buf, "\x8a\x01p", 3);  // The pong
  n = make_frame(buf, 0x80, s_key, "world", 5);
  fake_recv(&s, buf, n);
  assert_int_equal(s.frames, 1);
  assert_int_equal(s.frame_flags, 0x81);  // FIN | the original opcode
  assert_int_equal(s.frame.len, 12);
  assert_memory_equal(s.frame.buf, "Hello, world", 12);
  assert_int_equal(s.nc.recv_mbuf.len, 0);
  fake_free(&s);
}

static void test_ws_no_defrag_delivers_each_fragment(void **state) {
  struct fake s;
  unsigned char buf[100];
  size_t n;
  (void) state;
  fake_server(&s);
  s.nc.flags |= MG_F_WEBSOCKET_NO_DEFRAG;
  n = make_frame(buf, 0x02, s_key, "ab", 2);
  fake_recv(&s, buf, n);
  assert_int_equal(s.frames, 1);
  assert_int_equal(s.frame_flags, 0x02);
  assert_memory_equal(s.frame.buf, "ab", 2);
  n = make_frame(buf, 0x00, s_key, "cd", 2);
  fake_recv(&s, buf, n);
  assert_int_equal(s.frames, 2);
  assert_int_equal(s.frame_flags, 0x00);
  n = make_frame(buf, 0x80, s_key, "e", 1);
  fake_recv(&s, buf, n);
  assert_int_equal(s.frames, 3);
  assert_int_equal(s.frame_flags, 0x80);
  assert_memory_equal(s.frame.buf, "e", 1);
  assert_int_equal(s.nc.recv_mbuf.len, 0);
  fake_free(&s);
}

// ---- UTF-8 -----------------------------------------------------------------------

// Sends text as a two-fragment message split at k. Returns 1 if the
// message was delivered whole, 0 if the server failed with 1007.
static int text_in_two(const char *text, size_t len, size_t k) {
  struct fake s;
  int ok;
  fake_server(&s);
  client_frame(&s, 0x01, text, k);
  client_frame(&s, 0x80, text + k, len - k);
  ok = s.frames == 1 && s.frame.len == len &&
       memcmp(s.frame.buf, text, len) == 0 && s.nc.send_mbuf.len == 0;
  if (!ok) assert_true(sent_close(&s, 1007));
  fake_free(&s);
  return ok;
}

static void test_ws_utf8_valid_split_at_every_offset(void **state) {
  // 1-, 2-, 3- and 4-byte characters, U+FFFF, U+10000 and U+10FFFF.
  static const char text[] =
      "a\xc2\xa9\xe2\x82\xac\xf0\x9f\x98\x80z\xef\xbf\xbf\xf0\x90\x80\x80"
      "\xf4\x8f\xbf\xbf\xed\x9f\xbf\xee\x80\x80";
  size_t k, len = sizeof(text) - 1;
  (void) state;
  for (k = 0; k <= len; k++) assert_true(text_in_two(text, len, k));
}

static void test_ws_utf8_invalid_rejected_at_every_split(void **state) {
  static const char *bad[] = {
      "\xc0\xaf",          // Overlong '/'
      "\xc1\xbf",          // Overlong
      "\xe0\x80\xaf",      // Overlong 3-byte
      "\xe0\x9f\xbf",      // Overlong 3-byte, highest
      "\xf0\x80\x80\xaf",  // Overlong 4-byte
      "\xf0\x8f\xbf\xbf",  // Overlong 4-byte, highest
      "\xed\xa0\x80",      // U+D800, a surrogate
      "\xed\xbf\xbf",      // U+DFFF, a surrogate
      "\xf4\x90\x80\x80",  // U+110000
      "\xf5\x80\x80\x80",  // Lead byte above F4
      "\xff",              // Never valid
      "\x80",              // Lone continuation byte
      "\xe2\x82",          // Truncated at the end of the message
      "a\xf0\x9f\x98",     // Truncated 4-byte at the end
      "\xc2\x41",          // Continuation expected
  };
  size_t i, k, len;
  (void) state;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    len = strlen(bad[i]);
    for (k = 0; k <= len; k++) assert_false(text_in_two(bad[i], len, k));
  }
}

static void test_ws_utf8_fails_fast_before_final_fragment(void **state) {
  struct fake s;
  (void) state;
  fake_server(&s);
  client_frame(&s, 0x01, "ok\xed\xa0\x80", 5);  // Not final: fails anyway
  assert_int_equal(s.frames, 0);
  assert_true(sent_close(&s, 1007));
  fake_free(&s);
}

static void test_ws_binary_is_not_utf8_checked(void **state) {
  struct fake s;
  (void) state;
  fake_server(&s);
  client_frame(&s, 0x82, "\xff\xc0", 2);
  assert_int_equal(s.frames, 1);
  assert_int_equal(s.nc.send_mbuf.len, 0);
  fake_free(&s);
}

static void test_ws_no_defrag_checks_utf8_across_fragments(void **state) {
  struct fake s;
  (void) state;
  fake_server(&s);
  s.nc.flags |= MG_F_WEBSOCKET_NO_DEFRAG;
  client_frame(&s, 0x01, "\xe2\x82", 2);
  client_frame(&s, 0x80, "\xac", 1);
  assert_int_equal(s.frames, 2);
  assert_int_equal(s.nc.send_mbuf.len, 0);
  client_frame(&s, 0x01, "\xe2", 1);
  client_frame(&s, 0x80, "a", 1);
  assert_int_equal(s.frames, 3);
  assert_true(sent_close(&s, 1007));
  fake_free(&s);
}

// ---- Close codes and the closing handshake ---------------------------------------

static int code_ok_by_rfc(int code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

static void test_ws_close_code_table(void **state) {
  struct fake s;
  unsigned char p[2];
  int code;
  (void) state;
  for (code = 0; code < 65536; code += code < 5100 ? 1 : 997) {
    fake_server(&s);
    p[0] = (unsigned char) (code >> 8), p[1] = (unsigned char) code;
    client_frame(&s, 0x88, p, 2);
    if (code_ok_by_rfc(code)) {
      assert_int_equal(s.controls, 1);
      assert_true(sent_close(&s, code));  // Echoed
    } else {
      assert_int_equal(s.controls, 0);
      assert_true(sent_close(&s, 1002));
    }
    fake_free(&s);
  }
}

static void test_ws_close_empty_echoed_empty(void **state) {
  struct fake s;
  (void) state;
  fake_server(&s);
  client_frame(&s, 0x88, "", 0);
  assert_int_equal(s.controls, 1);
  assert_int_equal(s.control_flags, 0x88);
  assert_int_equal(s.nc.send_mbuf.len, 2);
  assert_memory_equal(s.nc.send_mbuf.buf, "\x88\x00", 2);
  assert_true(s.nc.flags & MG_F_SEND_AND_CLOSE);
  fake_free(&s);
}

static void test_ws_close_reason_delivered_and_checked(void **state) {
  struct fake s;
  (void) state;
  fake_server(&s);
  client_frame(&s, 0x88, "\x03\xe8" "bye \xc2\xa9", 8);
  assert_int_equal(s.controls, 1);
  assert_int_equal(s.control.len, 8);
  assert_true(sent_close(&s, 1000));
  fake_free(&s);
  fake_server(&s);
  client_frame(&s, 0x88, "\x03\xe8" "\xc0\xaf", 4);
  assert_true(sent_close(&s, 1007));
  fake_free(&s);
  fake_server(&s);
  client_frame(&s, 0x88, "\x03", 1);  // 1-byte payload
  assert_true(sent_close(&s, 1002));
  fake_free(&s);
}

static void test_ws_input_after_close_ignored(void **state) {
  struct fake s;
  unsigned char buf[100];
  size_t n = 0;
  (void) state;
  fake_server(&s);
  n += make_frame(buf + n, 0x88, s_key, "\x03\xe8", 2);
  n += make_frame(buf + n, 0x81, s_key, "late", 4);
  fake_recv(&s, buf, n);
  client_frame(&s, 0x81, "later", 5);
  assert_int_equal(s.frames, 0);
  assert_int_equal(s.nc.recv_mbuf.len, 0);
  assert_true(sent_close(&s, 1000));
  fake_free(&s);
}

static void test_ws_close_started_by_us_not_echoed(void **state) {
  struct fake s;
  (void) state;
  fake_server(&s);
  mg_send_websocket_frame(&s.nc, WEBSOCKET_OP_CLOSE, "\x0f\xa0", 2);  // 4000
  assert_false(s.nc.flags & MG_F_SEND_AND_CLOSE);
  client_frame(&s, 0x81, "still data", 10);  // Delivered until peer's close
  assert_int_equal(s.frames, 1);
  mg_send_websocket_frame(&s.nc, WEBSOCKET_OP_TEXT, "dropped", 7);
  client_frame(&s, 0x89, "ping", 4);  // No pong after our close
  client_frame(&s, 0x88, "\x0f\xa0", 2);
  assert_int_equal(s.controls, 2);
  assert_int_equal(s.nc.send_mbuf.len, 4);  // Only our own close frame
  assert_true(s.nc.flags & MG_F_SEND_AND_CLOSE);
  fake_free(&s);
}

static void test_ws_close_wait_keeps_connection_until_peer_answers(
    void **state) {
  struct fake s;
  time_t now = time(NULL);
  (void) state;
  fake_server(&s);
  mg_send_websocket_frame(&s.nc, WEBSOCKET_OP_CLOSE, NULL, 0);
  mg_ws_handler(&s.nc, MG_EV_POLL, &now);
  assert_false(s.nc.flags & MG_F_CLOSE_IMMEDIATELY);
  fake_free(&s);
}

// ---- Control frames ----------------------------------------------------------------

static void test_ws_ping_answered_with_same_payload(void **state) {
  struct fake s;
  unsigned char payload[125];
  size_t i;
  (void) state;
  for (i = 0; i < sizeof(payload); i++) payload[i] = (unsigned char) i;
  fake_server(&s);
  client_frame(&s, 0x89, payload, sizeof(payload));
  assert_int_equal(s.controls, 1);
  assert_int_equal(s.nc.send_mbuf.len, 2 + sizeof(payload));
  assert_memory_equal(s.nc.send_mbuf.buf, "\x8a\x7d", 2);
  assert_memory_equal(s.nc.send_mbuf.buf + 2, payload, sizeof(payload));
  fake_free(&s);
}

static void test_ws_unsolicited_pong_ignored(void **state) {
  struct fake s;
  (void) state;
  fake_server(&s);
  client_frame(&s, 0x8a, "x", 1);
  assert_int_equal(s.controls, 1);
  assert_int_equal(s.control_flags, 0x8a);
  assert_int_equal(s.nc.send_mbuf.len, 0);
  assert_false(s.nc.flags & MG_F_SEND_AND_CLOSE);
  fake_free(&s);
}

// ---- Protocol errors: fail with a close frame ---------------------------------------

// Feeds raw bytes to a fresh server and expects it to fail with code.
static void expect_fail(const void *bytes, size_t n, int code) {
  struct fake s;
  fake_server(&s);
  fake_recv(&s, bytes, n);
  assert_true(sent_close(&s, code));
  assert_int_equal(s.frames, 0);
  assert_int_equal(s.nc.recv_mbuf.len, 0);
  fake_free(&s);
}

static void expect_frame_fails(int b0, size_t len, int code) {
  unsigned char *buf = (unsigned char *) calloc(1, len + 14);
  char *payload = (char *) calloc(1, len + 1);
  assert_non_null(buf);
  assert_non_null(payload);
  expect_fail(buf, make_frame(buf, b0, s_key, payload, len), code);
  free(buf);
  free(payload);
}

static void test_ws_unmasked_client_frame_fails(void **state) {
  unsigned char buf[10];
  (void) state;
  expect_fail(buf, make_frame(buf, 0x81, NULL, "hi", 2), 1002);
}

static void test_ws_rsv_bits_fail(void **state) {
  (void) state;
  expect_frame_fails(0x81 | 0x40, 1, 1002);
  expect_frame_fails(0x81 | 0x20, 1, 1002);
  expect_frame_fails(0x81 | 0x10, 1, 1002);
  expect_frame_fails(0x89 | 0x40, 0, 1002);
}

static void test_ws_reserved_opcodes_fail(void **state) {
  int op;
  (void) state;
  for (op = 3; op <= 7; op++) expect_frame_fails(0x80 | op, 0, 1002);
  for (op = 11; op <= 15; op++) expect_frame_fails(0x80 | op, 0, 1002);
}

static void test_ws_bad_control_frames_fail(void **state) {
  (void) state;
  expect_frame_fails(0x09, 0, 1002);    // Ping without FIN
  expect_fail("\x08\x82\0\0\0\0\x03\xe8", 8, 1002);  // Close 1000, no FIN
  expect_frame_fails(0x89, 126, 1002);  // Ping payload > 125
  expect_frame_fails(0x8a, 126, 1002);  // Pong payload > 125
}

static void test_ws_continuation_without_message_fails(void **state) {
  (void) state;
  expect_frame_fails(0x80, 1, 1002);
  expect_frame_fails(0x00, 1, 1002);
}

static void test_ws_new_message_inside_fragmented_fails(void **state) {
  struct fake s;
  (void) state;
  fake_server(&s);
  client_frame(&s, 0x01, "a", 1);
  client_frame(&s, 0x81, "b", 1);
  assert_true(sent_close(&s, 1002));
  assert_int_equal(s.frames, 0);
  fake_free(&s);
  fake_server(&s);
  client_frame(&s, 0x02, "a", 1);
  client_frame(&s, 0x01, "b", 1);
  assert_true(sent_close(&s, 1002));
  fake_free(&s);
}

static void test_ws_bad_length_encodings_fail(void **state) {
  // 64-bit length with the top bit set.
  static const unsigned char top[] = {0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0,
                                      1,    2,    3,    4};
  // 16-bit length for 5 bytes, 64-bit length for 5 and for 65535.
  static const unsigned char nm16[] = {0x82, 0xfe, 0, 5, 1, 2, 3, 4};
  static const unsigned char nm64[] = {0x82, 0xff, 0, 0, 0, 0, 0, 0, 0, 5,
                                       1,    2,    3, 4};
  static const unsigned char nm64b[] = {0x82, 0xff, 0, 0, 0, 0, 0, 0, 0xff,
                                        0xff, 1,    2, 3, 4};
  (void) state;
  expect_fail(top, sizeof(top), 1002);
  expect_fail(nm16, sizeof(nm16), 1002);
  expect_fail(nm64, sizeof(nm64), 1002);
  expect_fail(nm64b, sizeof(nm64b), 1002);
}

static void test_ws_oversized_message_fails_1009_on_header(void **state) {
  // A header announcing 16 MiB + 1: fails before any payload arrives.
  static const unsigned char big[] = {0x82, 0xff, 0, 0, 0, 0, 1, 0, 0, 1,
                                      1,    2,    3, 4};
  size_t half = 8 * 1024 * 1024;
  unsigned char *buf = (unsigned char *) malloc(half + 100);
  char *payload = (char *) calloc(1, half + 1);
  struct fake s;
  (void) state;
  expect_fail(big, sizeof(big), 1009);
  // Fragments of 8 MiB + 1 and 8 MiB: the second one crosses the limit,
  // which its header alone shows.
  assert_non_null(buf);
  assert_non_null(payload);
  fake_server(&s);
  fake_recv(&s, buf, make_frame(buf, 0x02, s_key, payload, half + 1));
  assert_int_equal(s.nc.send_mbuf.len, 0);
  make_frame(buf, 0x80, s_key, payload, half);
  fake_recv(&s, buf, 14);  // Only the header
  assert_true(sent_close(&s, 1009));
  fake_free(&s);
  free(buf);
  free(payload);
}

static void test_ws_client_fails_on_masked_server_frame(void **state) {
  struct fake c;
  unsigned char buf[20];
  (void) state;
  fake_client(&c);
  fake_recv(&c, buf, make_frame(buf, 0x81, s_key, "hi", 2));
  assert_int_equal(c.frames, 0);
  // The client's close frame is masked: 0x88, 0x82, key, code ^ key.
  assert_int_equal(c.nc.send_mbuf.len, 8);
  assert_int_equal((unsigned char) c.nc.send_mbuf.buf[0], 0x88);
  assert_int_equal((unsigned char) c.nc.send_mbuf.buf[1], 0x82);
  assert_int_equal(((unsigned char) c.nc.send_mbuf.buf[6] ^
                    (unsigned char) c.nc.send_mbuf.buf[2]) << 8 |
                       ((unsigned char) c.nc.send_mbuf.buf[7] ^
                        (unsigned char) c.nc.send_mbuf.buf[3]),
                   1002);
  assert_true(c.nc.flags & MG_F_SEND_AND_CLOSE);
  fake_free(&c);
}

// ---- Server handshake -----------------------------------------------------------------

static void test_ws_accept_key_rfc_example(void **state) {
  struct fake f;
  (void) state;
  fake_init(&f, 1);
  fake_request(&f, GOOD_REQUEST(""));
  assert_int_equal(sent_status(&f), 101);
  assert_true(sent_has(&f, "\r\nUpgrade: websocket\r\n"));
  assert_true(sent_has(&f, "\r\nConnection: Upgrade\r\n"));
  assert_true(sent_has(&f, "\r\nSec-WebSocket-Accept: "
                           "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
  assert_false(sent_has(&f, "Sec-WebSocket-Protocol"));
  assert_false(sent_has(&f, "Sec-WebSocket-Extensions"));
  assert_int_equal(f.requests, 1);
  assert_int_equal(f.done, 1);
  assert_true(f.nc.flags & MG_F_IS_WEBSOCKET);
  fake_free(&f);
}

// Runs the handshake on request; returns the status sent.
static int handshake_status(const char *request, struct fake *f) {
  fake_init(f, 1);
  fake_request(f, request);
  return sent_status(f);
}

static void expect_refused(const char *request, int status,
                           const char *header) {
  struct fake f;
  assert_int_equal(handshake_status(request, &f), status);
  if (header != NULL) assert_true(sent_has(&f, header));
  assert_false(f.nc.flags & MG_F_IS_WEBSOCKET);
  assert_true(f.nc.flags & MG_F_SEND_AND_CLOSE);
  assert_int_equal(f.done, 0);
  fake_free(&f);
}

static void test_ws_handshake_refusals(void **state) {
  (void) state;
  expect_refused("POST /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
                 405, "\r\nAllow: GET\r\n");
  expect_refused("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n",
                 400, NULL);
  expect_refused("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\nSec-WebSocket-Version: 8\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
                 426, "\r\nSec-WebSocket-Version: 13\r\n");
  expect_refused("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
                 426, "\r\nSec-WebSocket-Version: 13\r\n");
  expect_refused("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                 "Connection: keep-alive\r\nSec-WebSocket-Version: 13\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
                 400, NULL);
  // Keys that are not base64 of 16 bytes.
  expect_refused(GOOD_REQUEST("Sec-WebSocket-Key: AAAA\r\n"), 400, NULL);
  expect_refused("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ\r\n\r\n",
                 400, NULL);
  expect_refused("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=!\r\n\r\n",
                 400, NULL);
  expect_refused("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZSEh\r\n\r\n",
                 400, NULL);
  expect_refused("GET /ws HTTP/1.0\r\nHost: x\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
                 400, NULL);
}

static void test_ws_handshake_tokens_case_insensitive(void **state) {
  struct fake f;
  (void) state;
  assert_int_equal(
      handshake_status("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: WebSocket\r\n"
                       "Connection: keep-alive, UPGRADE\r\n"
                       "Sec-WebSocket-Version: 13\r\n"
                       "Sec-WebSocket-Key:  dGhlIHNhbXBsZSBub25jZQ== \r\n\r\n",
                       &f),
      101);
  fake_free(&f);
}

static void test_ws_subprotocol_first_offered_echoed(void **state) {
  struct fake f;
  (void) state;
  assert_int_equal(
      handshake_status(
          GOOD_REQUEST("Sec-WebSocket-Protocol: chat, superchat\r\n"
                       "Sec-WebSocket-Extensions: permessage-deflate\r\n"),
          &f),
      101);
  assert_true(sent_has(&f, "\r\nSec-WebSocket-Protocol: chat\r\n"));
  assert_false(sent_has(&f, "superchat"));
  assert_false(sent_has(&f, "Extensions"));
  fake_free(&f);
}

static void test_ws_handler_refuses_by_answering_or_closing(void **state) {
  struct fake f;
  (void) state;
  fake_init(&f, 1);
  f.refuse = 1;
  fake_request(&f, GOOD_REQUEST(""));
  assert_int_equal(sent_status(&f), 403);
  assert_false(sent_has(&f, "101"));
  assert_false(f.nc.flags & MG_F_IS_WEBSOCKET);
  assert_int_equal(f.done, 0);
  fake_free(&f);
  fake_init(&f, 1);
  f.refuse = 2;
  fake_request(&f, GOOD_REQUEST(""));
  assert_int_equal(f.nc.send_mbuf.len, 0);
  assert_false(f.nc.flags & MG_F_IS_WEBSOCKET);
  fake_free(&f);
}

static void test_ws_is_upgrade_needs_websocket_token(void **state) {
  struct http_message hm;
  const char *a = "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\n\r\n";
  const char *b =
      "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: foo, websocket\r\n\r\n";
  (void) state;
  assert_true(mg_parse_http(a, (int) strlen(a), &hm, 1) > 0);
  assert_false(mg_ws_is_upgrade(&hm));
  assert_true(mg_parse_http(b, (int) strlen(b), &hm, 1) > 0);
  assert_true(mg_ws_is_upgrade(&hm));
}

// ---- Client handshake -----------------------------------------------------------------

// Extracts the value of header name from the request in send_mbuf.
static struct mg_str sent_header(struct fake *f, const char *name) {
  struct http_message hm;
  struct mg_str *v;
  int n = mg_parse_http(f->nc.send_mbuf.buf, (int) f->nc.send_mbuf.len, &hm,
                        1);
  assert_int_equal(n, (int) f->nc.send_mbuf.len);
  v = mg_get_http_header(&hm, name);
  return v == NULL ? mg_mk_str_n(NULL, 0) : *v;
}

// Computes the accept value for the key our client sent.
static void expected_accept(struct fake *f, char *out) {
  struct mg_str key = sent_header(f, "Sec-WebSocket-Key");
  static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  const uint8_t *msgs[2];
  size_t lens[2];
  uint8_t sha[20];
  msgs[0] = (const uint8_t *) key.p, lens[0] = key.len;
  msgs[1] = (const uint8_t *) guid, lens[1] = sizeof(guid) - 1;
  mg_hash_sha1_v(2, msgs, lens, sha);
  mg_base64_encode(sha, 20, out);
}

// Feeds reply (a head) to the client connection's protocol handler, which
// the handshake request installed, as one MG_EV_RECV.
static void client_reply(struct fake *f, const char *reply) {
  int n = (int) strlen(reply);
  assert_non_null(f->nc.proto_handler);
  mbuf_append(&f->nc.recv_mbuf, reply, strlen(reply));
  f->nc.proto_handler(&f->nc, MG_EV_RECV, &n);
}

static void client_reply_with(struct fake *f, const char *status,
                              const char *extra, int right_key) {
  char accept[32], reply[512];
  expected_accept(f, accept);
  if (!right_key) accept[0] = accept[0] == 'A' ? 'B' : 'A';
  snprintf(reply, sizeof(reply),
           "HTTP/1.1 %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Accept: %s\r\n%s\r\n",
           status, accept, extra);
  client_reply(f, reply);
}

static void fake_client(struct fake *f) {
  fake_init(f, 0);
  mg_send_websocket_handshake2(&f->nc, "/ws", "h", NULL, NULL);
  client_reply_with(f, "101 Switching Protocols", "", 1);
  assert_true(f->nc.flags & MG_F_IS_WEBSOCKET);
  // The upgraded connection is handed to the WebSocket protocol handler.
  assert_true(f->nc.proto_handler == mg_ws_proto_handler);
  assert_int_equal(f->done_code, 101);
  mbuf_clear(&f->nc.send_mbuf);
}

static void test_ws_client_request_headers(void **state) {
  struct fake f;
  struct mg_str key, auth;
  char decoded[32];
  (void) state;
  fake_init(&f, 0);
  mg_send_websocket_handshake3(&f.nc, "/chat?x=1", "example.com:81", "chat",
                               "X-A: 1\r\n", "user", "pass");
  assert_memory_equal(f.nc.send_mbuf.buf, "GET /chat?x=1 HTTP/1.1\r\n", 24);
  key = sent_header(&f, "Sec-WebSocket-Key");
  assert_int_equal(key.len, 24);
  assert_int_equal(mg_base64_decode((const unsigned char *) key.p, 24,
                                    decoded), 24);
  assert_memory_equal(key.p + 22, "==", 2);
  {
    struct mg_str v = sent_header(&f, "Host");
    assert_int_equal(mg_vcmp(&v, "example.com:81"), 0);
    v = sent_header(&f, "Upgrade");
    assert_int_equal(mg_vcmp(&v, "websocket"), 0);
    v = sent_header(&f, "Connection");
    assert_int_equal(mg_vcmp(&v, "Upgrade"), 0);
    v = sent_header(&f, "Sec-WebSocket-Version");
    assert_int_equal(mg_vcmp(&v, "13"), 0);
    v = sent_header(&f, "Sec-WebSocket-Protocol");
    assert_int_equal(mg_vcmp(&v, "chat"), 0);
    v = sent_header(&f, "X-A");
    assert_int_equal(mg_vcmp(&v, "1"), 0);
  }
  auth = sent_header(&f, "Authorization");
  assert_int_equal(mg_vcmp(&auth, "Basic dXNlcjpwYXNz"), 0);
  fake_free(&f);
}

static void test_ws_client_keys_differ(void **state) {
  struct fake a, b;
  struct mg_str ka, kb;
  (void) state;
  fake_init(&a, 0);
  fake_init(&b, 0);
  mg_send_websocket_handshake(&a.nc, "/", NULL);
  mg_send_websocket_handshake(&b.nc, "/", "host: y\r\n");
  assert_int_equal(sent_header(&a, "Host").len, 0);  // Empty, but there
  assert_memory_equal(a.nc.send_mbuf.buf, "GET / HTTP/1.1\r\nHost: \r\n", 24);
  ka = sent_header(&a, "Sec-WebSocket-Key");
  kb = sent_header(&b, "Sec-WebSocket-Key");
  assert_true(sent_has(&b, "\r\nhost: y\r\n"));
  assert_false(sent_has(&b, "Host:"));
  assert_int_equal(ka.len, 24);
  assert_int_not_equal(mg_strcmp(ka, kb), 0);
  fake_free(&a);
  fake_free(&b);
}

// Runs a client handshake against reply pieces; returns the code the
// handler saw in HANDSHAKE_DONE, checking the connection state matches.
static int client_outcome(const char *protocol, const char *status,
                          const char *extra, int right_key) {
  struct fake f;
  int code, upgraded;
  fake_init(&f, 0);
  mg_send_websocket_handshake2(&f.nc, "/", "h", protocol, NULL);
  client_reply_with(&f, status, extra, right_key);
  assert_int_equal(f.done, 1);
  code = f.done_code;
  upgraded = (f.nc.flags & MG_F_IS_WEBSOCKET) != 0;
  assert_int_equal(upgraded, code == 101);
  if (!upgraded) assert_true(f.nc.flags & MG_F_CLOSE_IMMEDIATELY);
  fake_free(&f);
  return code;
}

static void test_ws_client_verifies_reply(void **state) {
  (void) state;
  assert_int_equal(client_outcome(NULL, "101 OK", "", 1), 101);
  assert_int_equal(client_outcome(NULL, "101 OK", "", 0), 0);  // Bad accept
  assert_int_equal(client_outcome(NULL, "200 OK", "", 1), 200);
  assert_int_equal(client_outcome(NULL, "403 Forbidden", "", 1), 403);
  assert_int_equal(
      client_outcome(NULL, "101 OK",
                     "Sec-WebSocket-Extensions: permessage-deflate\r\n", 1),
      0);
  assert_int_equal(
      client_outcome(NULL, "101 OK", "Sec-WebSocket-Protocol: chat\r\n", 1),
      0);  // Not offered
  assert_int_equal(client_outcome("a, chat", "101 OK",
                                  "Sec-WebSocket-Protocol: chat\r\n", 1),
                   101);
  assert_int_equal(client_outcome("a, chat", "101 OK",
                                  "Sec-WebSocket-Protocol: b\r\n", 1),
                   0);
  assert_int_equal(client_outcome("chat", "101 OK", "", 1), 101);
}

static void test_ws_client_missing_upgrade_header_fails(void **state) {
  struct fake f;
  char accept[32], reply[256];
  (void) state;
  fake_init(&f, 0);
  mg_send_websocket_handshake2(&f.nc, "/", "h", NULL, NULL);
  expected_accept(&f, accept);
  snprintf(reply, sizeof(reply),
           "HTTP/1.1 101 OK\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
  client_reply(&f, reply);
  assert_int_equal(f.done_code, 0);
  assert_false(f.nc.flags & MG_F_IS_WEBSOCKET);
  fake_free(&f);
}

static void test_ws_client_refuses_crlf_in_path(void **state) {
  struct fake f;
  (void) state;
  fake_init(&f, 0);
  mg_send_websocket_handshake2(&f.nc, "/\r\nX: 1", "h", NULL, NULL);
  assert_int_equal(f.nc.send_mbuf.len, 0);
  assert_true(f.nc.flags & MG_F_CLOSE_IMMEDIATELY);
  fake_free(&f);
}

static void test_ws_connect_ws_bad_urls(void **state) {
  struct mg_mgr mgr;
  struct mg_connect_opts opts;
  const char *err = NULL;
  (void) state;
  mg_mgr_init(&mgr, NULL);
  memset(&opts, 0, sizeof(opts));
  opts.error_string = &err;
#if !MG_ENABLE_SSL  // With TLS, wss:// is tested in test/net/test_tls.c
  assert_null(mg_connect_ws_opt(&mgr, fake_handler, opts, "wss://h/", NULL,
                                NULL));
  assert_non_null(strstr(err, "TLS not built"));
#endif
  assert_null(mg_connect_ws_opt(&mgr, fake_handler, opts, "http://h/", NULL,
                                NULL));
  assert_null(mg_connect_ws_opt(&mgr, fake_handler, opts, "ws://h:x/", NULL,
                                NULL));
  assert_null(mg_connect_ws_opt(&mgr, fake_handler, opts, "ws:///p", NULL,
                                NULL));
  assert_null(mg_connect_ws(&mgr, fake_handler, NULL, NULL, NULL));
  mg_mgr_free(&mgr);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ws_encode_uses_shortest_length),
      cmocka_unit_test(test_ws_dont_fin_clears_fin),
      cmocka_unit_test(test_ws_framev_and_printf_concatenate),
      cmocka_unit_test(test_ws_client_masks_with_fresh_keys),
      cmocka_unit_test(test_ws_server_does_not_mask),
      cmocka_unit_test(test_ws_round_trip_every_length_class),
      cmocka_unit_test(test_ws_frames_split_at_every_byte),
      cmocka_unit_test(test_ws_many_frames_in_one_read),
      cmocka_unit_test(test_ws_fragments_reassembled_with_control_between),
      cmocka_unit_test(test_ws_no_defrag_delivers_each_fragment),
      cmocka_unit_test(test_ws_utf8_valid_split_at_every_offset),
      cmocka_unit_test(test_ws_utf8_invalid_rejected_at_every_split),
      cmocka_unit_test(test_ws_utf8_fails_fast_before_final_fragment),
      cmocka_unit_test(test_ws_binary_is_not_utf8_checked),
      cmocka_unit_test(test_ws_no_defrag_checks_utf8_across_fragments),
      cmocka_unit_test(test_ws_close_code_table),
      cmocka_unit_test(test_ws_close_empty_echoed_empty),
      cmocka_unit_test(test_ws_close_reason_delivered_and_checked),
      cmocka_unit_test(test_ws_input_after_close_ignored),
      cmocka_unit_test(test_ws_close_started_by_us_not_echoed),
      cmocka_unit_test(test_ws_close_wait_keeps_connection_until_peer_answers),
      cmocka_unit_test(test_ws_ping_answered_with_same_payload),
      cmocka_unit_test(test_ws_unsolicited_pong_ignored),
      cmocka_unit_test(test_ws_unmasked_client_frame_fails),
      cmocka_unit_test(test_ws_rsv_bits_fail),
      cmocka_unit_test(test_ws_reserved_opcodes_fail),
      cmocka_unit_test(test_ws_bad_control_frames_fail),
      cmocka_unit_test(test_ws_continuation_without_message_fails),
      cmocka_unit_test(test_ws_new_message_inside_fragmented_fails),
      cmocka_unit_test(test_ws_bad_length_encodings_fail),
      cmocka_unit_test(test_ws_oversized_message_fails_1009_on_header),
      cmocka_unit_test(test_ws_client_fails_on_masked_server_frame),
      cmocka_unit_test(test_ws_accept_key_rfc_example),
      cmocka_unit_test(test_ws_handshake_refusals),
      cmocka_unit_test(test_ws_handshake_tokens_case_insensitive),
      cmocka_unit_test(test_ws_subprotocol_first_offered_echoed),
      cmocka_unit_test(test_ws_handler_refuses_by_answering_or_closing),
      cmocka_unit_test(test_ws_is_upgrade_needs_websocket_token),
      cmocka_unit_test(test_ws_client_request_headers),
      cmocka_unit_test(test_ws_client_keys_differ),
      cmocka_unit_test(test_ws_client_verifies_reply),
      cmocka_unit_test(test_ws_client_missing_upgrade_header_fails),
      cmocka_unit_test(test_ws_client_refuses_crlf_in_path),
      cmocka_unit_test(test_ws_connect_ws_bad_urls),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
