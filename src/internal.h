// Declarations shared between modules that are not part of the public API.
// This header goes into mongoose.c only, never into mongoose.h.
#pragma once
#include "arch.h"
#include "config.h"
#include "str.h"
#include "mbuf.h"
#include "log.h"
#include "util.h"
#include "md5.h"
#include "sha1.h"
#include "uri.h"
#include "net.h"
#include "iface.h"
#include "http.h"

#ifndef MG_ARRAY_SIZE
#define MG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

// Core flag set when the peer closed its side: stop watching for reads.
#define MG_F_PEER_EOF (1 << 15)
// Core flag: a protocol handler still owes the peer a response, so end of
// stream must not close the connection yet (the handler closes it).
#define MG_F_HOLD_ON_EOF (1 << 16)
// Core flag: a protocol streams a file with mg_conn_sendfile(). The iface
// watches for write even with an empty send_mbuf, and the core then sends
// MG_EV_SEND with 0 bytes so the protocol can go on.
#define MG_F_SENDFILE (1 << 17)

// An error code that is not an errno: the descriptor is too high for
// select(). Socket ifaces return it from listen and set it in nc->err.
#define MG_EFDSETSIZE 100001

// net.c
// Dispatches ev to handler (NULL: the protocol handler if set, else the
// user handler), then restores the flags a user handler may not change.
void mg_call(struct mg_connection *nc, mg_event_handler_t handler, int ev,
             void *ev_data);
// Sends MG_EV_CLOSE, unlinks nc from its manager and frees it.
void mg_close_conn(struct mg_connection *nc);
// Returns a readable message for an errno value (or MG_EFDSETSIZE).
const char *mg_strerror(int err);
// Sends up to len bytes of file fd from *offset to nc through its iface's
// sendfile entry, advancing *offset. Returns the bytes sent, 0 if the socket
// would block, -1 on error, -2 if the iface cannot (no sendfile entry, TLS,
// or a traffic dump that must see the bytes): then read and send instead.
long mg_conn_sendfile(struct mg_connection *nc, int fd, int64_t *offset,
                      size_t len);
// Transitional: the old name, until every protocol calls mg_conn_sendfile().
#define mg_sock_sendfile mg_conn_sendfile

#if MG_ENABLE_HTTP
// ---- HTTP internals shared by http_*.c -------------------------------------

// A registered endpoint (a list hangs off the listener's proto data).
struct mg_http_endpoint {
  struct mg_http_endpoint *next;
  struct mg_str uri_pattern;  // MG_MALLOC'd prefix, e.g. "/api"
  char *auth_domain;          // MG_MALLOC'd or NULL
  char *auth_file;            // MG_MALLOC'd or NULL
  mg_event_handler_t handler;
  void *user_data;
};

// A file being streamed out by mg_http_serve_file(): send_mbuf is topped up
// from fp in bounded pieces as the socket drains.
struct mg_http_file_state {
  FILE *fp;           // NULL when no file is being sent
  int64_t remaining;  // Bytes of the file still to queue
  int64_t offset;     // With sendfile: the next byte of the file to send
  int mode;           // 0: undecided, 1: read into send_mbuf, 2: sendfile
};

struct mg_http_multipart_stream;  // Defined in http_multipart.c

// Per-connection HTTP state: nc->proto_data.
struct mg_http_proto_data {
  struct mg_http_endpoint *endpoints;   // Listener: registered endpoints
  mg_event_handler_t endpoint_handler;  // Handler of the current request
  void *endpoint_user_data;             // Its endpoint's user_data
  struct mg_http_file_state file;       // Static file being sent
  struct mg_http_multipart_stream *mp;  // Streaming upload in progress
  // Server request state (http_server.c).
  double request_start;         // When the current request's first byte came
  size_t body_decoded;          // Chunked: de-chunked body bytes after the head
  size_t chunk_off;             // Chunked: input bytes consumed so far
  uint64_t bytes_sent;          // Bytes written to the socket so far
  uint64_t out_at_dispatch;     // bytes_sent + send_mbuf.len at dispatch
  unsigned char waiting;        // Dispatched; the handler has not answered yet
  unsigned char must_close;     // Close once the current response is out
  unsigned char continue_sent;  // "100 Continue" already sent
  unsigned char is_head;        // The current request is HEAD
  unsigned char ws_client;      // Client waiting for a WebSocket upgrade
  unsigned char reply_close_delimited;  // Client: reply body runs to close
  struct mg_connection *proxy_peer;     // Reverse proxy: the other side
  struct mg_ws_state *ws;               // WebSocket state (ws.c)
  unsigned char keep_alive_10;  // HTTP/1.0 request asking for keep-alive
};

// True if the comma-separated header value list hdr (may be NULL) has
// token, ignoring case ("Connection: keep-alive, Upgrade").
int mg_http_header_has_token(const struct mg_str *hdr, const char *token);
// Returns the standard reason phrase for an HTTP status code.
const char *mg_http_status_message(int code);
// Returns nc's HTTP state, creating it (NULL if out of memory).
struct mg_http_proto_data *mg_http_get_proto_data(struct mg_connection *nc);
// Calls the handler for the current request: the matching endpoint's, or
// the connection's.
void mg_http_call_endpoint_handler(struct mg_connection *nc, int ev,
                                   void *ev_data);

// ws.c (WebSocket).
struct mg_ws_state;  // Defined in ws.c: reassembly, UTF-8, close state
// Server: true if hm asks for a WebSocket upgrade (Upgrade: websocket).
int mg_ws_is_upgrade(struct http_message *hm);
// Server: hm is an upgrade request whose head is at the start of recv_mbuf
// (the caller removes it afterwards). Sends
// MG_EV_WEBSOCKET_HANDSHAKE_REQUEST (the handler may refuse by answering
// or closing), validates the request (400/426 on failure), sends 101 and
// MG_EV_WEBSOCKET_HANDSHAKE_DONE, and sets MG_F_IS_WEBSOCKET.
void mg_ws_handshake(struct mg_connection *nc, struct http_message *hm);
// Client: hm is the reply to our upgrade request. Checks 101 and
// Sec-WebSocket-Accept, sets MG_F_IS_WEBSOCKET on success, sends
// MG_EV_WEBSOCKET_HANDSHAKE_DONE either way (closes on failure).
void mg_ws_client_handshake_done(struct mg_connection *nc,
                                 struct http_message *hm);
// Both sides, for a connection with MG_F_IS_WEBSOCKET: on MG_EV_RECV parses
// frames from recv_mbuf (reassembly, control frames, close handshake,
// protocol errors); on MG_EV_POLL sends pings every
// MG_WEBSOCKET_PING_INTERVAL; on MG_EV_CLOSE frees the state.
void mg_ws_handler(struct mg_connection *nc, int ev, void *ev_data);

// http_client.c: the reverse-proxy rewrite of mg_serve_http (a
// url_rewrites entry "prefix=http://host:port").
void mg_http_proxy_rewrite(struct mg_connection *nc, struct http_message *hm,
                           struct mg_str prefix, struct mg_str upstream);

#if MG_ENABLE_FILESYSTEM
// http_static.c: queues the next piece of the file being sent, if any
// room is left under MG_MAX_HTTP_SEND_MBUF. Closes the file at its end.
void mg_http_transfer_file_data(struct mg_connection *nc);
// Closes the file being sent, if any.
void mg_http_free_file_state(struct mg_http_file_state *fs);
#endif

#if MG_ENABLE_HTTP_STREAMING_MULTIPART
// http_multipart.c: if hm (head only, body not yet read; head_len bytes at
// the start of recv_mbuf) is a multipart/form-data request with a
// Content-Length, switches nc to streaming: sends
// MG_EV_HTTP_MULTIPART_REQUEST, removes the head from recv_mbuf and returns
// 1. Returns 0 for any other request.
int mg_http_multipart_begin(struct mg_connection *nc, struct http_message *hm,
                            size_t head_len);
// Consumes body bytes from recv_mbuf: PART_BEGIN/DATA/END events, then
// MULTIPART_REQUEST_END. Returns 1 while the upload goes on, 0 when it has
// ended (normally or not; the state is then freed).
int mg_http_multipart_continue(struct mg_connection *nc);
// Frees the stream, telling the handler (status < 0) if it was cut short.
void mg_http_multipart_free(struct mg_connection *nc);
#endif
#endif  // MG_ENABLE_HTTP
