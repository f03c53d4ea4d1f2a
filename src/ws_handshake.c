#include "http_internal.h"
#include "base64.h"
#include "sha1.h"
#include "uri.h"

// WebSocket (RFC 6455) handshakes: the server's answer to an upgrade
// request, the client's request and its check of the reply, and
// mg_connect_ws(). A connection that completes either handshake gets
// mg_ws_proto_handler (ws.c) as its protocol handler.
//
// - A non-GET upgrade request gets 405 with "Allow: GET"; a missing or
//   unknown Sec-WebSocket-Version gets 426 with "Sec-WebSocket-Version: 13";
//   every other malformed upgrade request gets 400. Each closes afterwards.
// - The server echoes the first subprotocol the client offered, and nothing
//   if it offered none. Extensions (permessage-deflate) are declined by
//   leaving Sec-WebSocket-Extensions out.

#if MG_ENABLE_HTTP && MG_ENABLE_HTTP_WEBSOCKET

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// Writes base64(SHA-1(key + GUID)) into out (29 bytes).
static void ws_accept_key(struct mg_str key, char *out) {
  const uint8_t *msgs[2];
  size_t lens[2];
  unsigned char sha[20];
  msgs[0] = (const uint8_t *) key.p;
  lens[0] = key.len;
  msgs[1] = (const uint8_t *) WS_GUID;
  lens[1] = sizeof(WS_GUID) - 1;
  mg_hash_sha1_v(2, msgs, lens, sha);
  mg_base64_encode(sha, (int) sizeof(sha), out);
}

// ---- Server handshake
// --------------------------------------------------------

// Returns the first entry of a comma-separated list (empty if none).
static struct mg_str ws_first_token(const struct mg_str *hdr) {
  struct mg_str v = MG_NULL_STR, eq;
  if (hdr != NULL) mg_next_comma_list_entry_n(*hdr, &v, &eq);
  return mg_strstrip(v);
}

// Returns how many headers called name hm has.
static int ws_header_count(const struct http_message *hm, const char *name) {
  int i, n = 0;
  for (i = 0; i < MG_MAX_HTTP_HEADERS && hm->header_names[i].len > 0; i++) {
    if (mg_vcasecmp(&hm->header_names[i], name) == 0) n++;
  }
  return n;
}

// True if key is the base64 encoding of 16 bytes.
static int ws_key_ok(const struct mg_str *hdr) {
  struct mg_str key;
  char buf[20];
  if (hdr == NULL) return 0;
  key = mg_strstrip(*hdr);
  return key.len == 24 && key.p[21] != '=' && key.p[22] == '=' &&
         key.p[23] == '=' &&
         mg_base64_decode((const unsigned char *) key.p, 24, buf) == 24;
}

// Validates an upgrade request. Returns 0, or the status that refuses it.
static int ws_check_request(struct http_message *hm) {
  struct mg_str *version = mg_get_http_header(hm, "Sec-WebSocket-Version");
  if (mg_vcmp(&hm->method, "GET") != 0) return 405;
  if (mg_vcmp(&hm->proto, "HTTP/1.1") != 0 || hm->body.len != 0) return 400;
  if (!mg_http_header_has_token(mg_get_http_header(hm, "Upgrade"),
                                "websocket") ||
      !mg_http_header_has_token(mg_get_http_header(hm, "Connection"),
                                "upgrade")) {
    return 400;
  }
  if (version == NULL || ws_header_count(hm, "Sec-WebSocket-Version") != 1 ||
      mg_vcmp(version, "13") != 0) {
    return 426;
  }
  if (ws_header_count(hm, "Sec-WebSocket-Key") != 1 ||
      !ws_key_ok(mg_get_http_header(hm, "Sec-WebSocket-Key"))) {
    return 400;
  }
  return 0;
}

// Answers a refused upgrade request with status, and closes after it.
static void ws_refuse(struct mg_connection *nc, int status) {
  struct mg_http_proto_data *pd = mg_http_get_proto_data(nc);
  const char *reason = mg_http_status_message(status);
  const char *extra =
      status == 426   ? "Sec-WebSocket-Version: 13\r\nContent-Type: text/plain"
      : status == 405 ? "Allow: GET\r\nContent-Type: text/plain"
                      : "Content-Type: text/plain";
  MG_DEBUG(("%p WebSocket upgrade refused: %d", (void *) nc, status));
  if (pd != NULL) {
    pd->must_close = 1;
    pd->is_head = 0;
  }
  mg_send_head(nc, status, (int64_t) strlen(reason), extra);
  mg_send(nc, reason, (int) strlen(reason));
  nc->flags |= MG_F_SEND_AND_CLOSE;
  mbuf_clear(&nc->recv_mbuf);
}

// Sends 101 for the valid request hm and switches nc to WebSocket.
static void ws_accept(struct mg_connection *nc, struct http_message *hm) {
  struct mg_http_proto_data *pd = mg_http_get_proto_data(nc);
  struct mg_str key = mg_strstrip(*mg_get_http_header(hm, "Sec-WebSocket-Key"));
  struct mg_str proto =
      ws_first_token(mg_get_http_header(hm, "Sec-WebSocket-Protocol"));
  char accept[32];
  if (pd != NULL && pd->ws == NULL) pd->ws = mg_ws_state_new(mg_mk_str(NULL));
  if (pd == NULL || pd->ws == NULL) {
    MG_ERROR(("%p out of memory for the WebSocket state, 500", (void *) nc));
    ws_refuse(nc, 500);
    return;
  }
  ws_accept_key(key, accept);
  mg_printf(nc,
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n",
            accept);
  if (proto.len > 0) {
    mg_printf(nc, "Sec-WebSocket-Protocol: %.*s\r\n", (int) proto.len, proto.p);
  }
  mg_send(nc, "\r\n", 2);
  nc->flags |= MG_F_IS_WEBSOCKET;
  nc->proto_handler = mg_ws_proto_handler;
  pd->ws->last_io = mg_time();
  mg_http_call_endpoint_handler(nc, MG_EV_WEBSOCKET_HANDSHAKE_DONE, hm);
}

int mg_ws_is_upgrade(struct http_message *hm) {
  return mg_http_header_has_token(mg_get_http_header(hm, "Upgrade"),
                                  "websocket");
}

void mg_ws_handshake(struct mg_connection *nc, struct http_message *hm) {
  size_t queued = nc->send_mbuf.len;
  int status;
  mg_http_call_endpoint_handler(nc, MG_EV_WEBSOCKET_HANDSHAKE_REQUEST, hm);
  // The handler refused by answering itself or by closing.
  if (nc->send_mbuf.len != queued ||
      (nc->flags & (MG_F_CLOSE_IMMEDIATELY | MG_F_SEND_AND_CLOSE))) {
    return;
  }
  if ((status = ws_check_request(hm)) != 0) {
    ws_refuse(nc, status);
  } else {
    ws_accept(nc, hm);
  }
}

// ---- Client
// ------------------------------------------------------------------

// True if the subprotocol the server chose was offered in the list offered.
static int ws_protocol_offered(const char *offered, struct mg_str chosen) {
  struct mg_str list = mg_mk_str(offered), v, eq;
  while ((list = mg_next_comma_list_entry_n(list, &v, &eq)).p != NULL) {
    if (mg_strcmp(mg_strstrip(v), chosen) == 0) return 1;
  }
  return 0;
}

// Verifies the reply to our upgrade request (RFC 6455 4.1).
static int ws_reply_ok(struct mg_ws_state *ws, struct http_message *hm) {
  struct mg_str *accept = mg_get_http_header(hm, "Sec-WebSocket-Accept");
  struct mg_str *proto = mg_get_http_header(hm, "Sec-WebSocket-Protocol");
  char want[32];
  if (hm->resp_code != 101 || accept == NULL ||
      !mg_http_header_has_token(mg_get_http_header(hm, "Upgrade"),
                                "websocket") ||
      !mg_http_header_has_token(mg_get_http_header(hm, "Connection"),
                                "upgrade")) {
    return 0;
  }
  ws_accept_key(mg_mk_str(ws->key), want);
  if (mg_vcmp(accept, want) != 0) return 0;
  // We offered no extension, and only these subprotocols.
  if (mg_get_http_header(hm, "Sec-WebSocket-Extensions") != NULL) return 0;
  return proto == NULL ||
         ws_protocol_offered(ws->protocols, mg_strstrip(*proto));
}

// hm is the reply to our upgrade request. On success sets
// MG_F_IS_WEBSOCKET and the WebSocket protocol handler; sends
// MG_EV_WEBSOCKET_HANDSHAKE_DONE either way (and closes on failure).
static void ws_client_handshake_done(struct mg_connection *nc,
                                     struct http_message *hm) {
  struct mg_http_proto_data *pd = mg_http_get_proto_data(nc);
  struct http_message reply = *hm;
  int ok = pd != NULL && pd->ws != NULL && ws_reply_ok(pd->ws, hm);
  if (ok) {
    nc->flags |= MG_F_IS_WEBSOCKET;
    nc->proto_handler = mg_ws_proto_handler;
    pd->ws->last_io = mg_time();
  } else {
    MG_DEBUG(("%p WebSocket upgrade failed: %d", (void *) nc, hm->resp_code));
    // A 101 that fails verification is no upgrade: 6.x applications test
    // resp_code == 101.
    if (reply.resp_code == 101) reply.resp_code = 0;
    if (pd != NULL) {
      MG_FREE(pd->ws);
      pd->ws = NULL;
    }
  }
  mg_http_call_endpoint_handler(nc, MG_EV_WEBSOCKET_HANDSHAKE_DONE, &reply);
  if (!ok) nc->flags |= MG_F_CLOSE_IMMEDIATELY;
}

// The protocol handler of a client connection waiting for the reply to its
// upgrade request. Frames that came right behind the reply go to the
// WebSocket handler at once.
static void ws_client_handler(struct mg_connection *nc, int ev,
                              void *ev_data MG_UD_ARG(void *user_data)) {
  struct http_message hm;
  int n, status;
  MG_UD_UNUSED;
  if (ev == MG_EV_CLOSE) {
    mg_ws_proto_handler(
        nc, ev,
        ev_data MG_UD_ARG(user_data));  // The user's close, then cleanup
    return;
  }
  mg_call_user(nc, ev, ev_data);
  if (ev != MG_EV_RECV || (nc->flags & MG_F_CLOSE_IMMEDIATELY)) return;
  n = mg_http_parse(nc->recv_mbuf.buf, nc->recv_mbuf.len, &hm, 0, &status);
  if (n < 0) {
    MG_ERROR(("%p malformed HTTP reply", (void *) nc));
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    mbuf_clear(&nc->recv_mbuf);
    return;
  }
  if (n == 0) return;
  ws_client_handshake_done(nc, &hm);
  mbuf_remove(&nc->recv_mbuf, (size_t) n);
  if ((nc->flags & MG_F_IS_WEBSOCKET) && nc->recv_mbuf.len > 0) {
    n = (int) nc->recv_mbuf.len;
    mg_ws_handler(nc, MG_EV_RECV, &n);
  }
}

// Appends n bytes to m; clears *ok if memory ran out.
static void ws_put(struct mbuf *m, const char *p, size_t n, int *ok) {
  if (n > 0 && mbuf_append(m, p, n) != n) *ok = 0;
}

static void ws_put_str(struct mbuf *m, const char *s, int *ok) {
  ws_put(m, s, strlen(s), ok);
}

// Puts "name: value\r\n" if value is not empty.
static void ws_put_header(struct mbuf *m, const char *name, struct mg_str value,
                          int *ok) {
  if (value.len == 0) return;
  ws_put_str(m, name, ok);
  ws_put_str(m, ": ", ok);
  ws_put(m, value.p, value.len, ok);
  ws_put_str(m, "\r\n", ok);
}

// Builds the upgrade request into m. Returns 1 on success.
static int ws_build_request(struct mbuf *m, struct mg_ws_state *ws,
                            struct mg_str path, struct mg_str host,
                            struct mg_str extra, struct mg_str user,
                            struct mg_str pass) {
  int ok = 1;
  ws_put_str(m, "GET ", &ok);
  ws_put(m, path.len > 0 ? path.p : "/", path.len > 0 ? path.len : 1, &ok);
  ws_put_str(m, " HTTP/1.1\r\n", &ok);
  // HTTP/1.1 needs a Host header; empty when the caller names no host
  // (RFC 9112 3.2), unless extra_headers carries one.
  if (host.len > 0 || !mg_http_headers_have(extra, "Host")) {
    ws_put_str(m, "Host: ", &ok);
    ws_put(m, host.p, host.len, &ok);
    ws_put_str(m, "\r\n", &ok);
  }
  ws_put_str(m, "Upgrade: websocket\r\nConnection: Upgrade\r\n", &ok);
  ws_put_str(m, "Sec-WebSocket-Version: 13\r\n", &ok);
  ws_put_header(m, "Sec-WebSocket-Key", mg_mk_str(ws->key), &ok);
  ws_put_header(m, "Sec-WebSocket-Protocol", mg_mk_str(ws->protocols), &ok);
  if (user.len > 0) mg_basic_auth_header(user, pass, m);
  ws_put(m, extra.p, extra.len, &ok);
  if (extra.len > 0 && extra.p[extra.len - 1] != '\n') {
    ws_put_str(m, "\r\n", &ok);
  }
  ws_put_str(m, "\r\n", &ok);
  return ok;
}

void mg_send_websocket_handshake3v(struct mg_connection *nc,
                                   const struct mg_str path,
                                   const struct mg_str host,
                                   const struct mg_str protocol,
                                   const struct mg_str extra_headers,
                                   const struct mg_str user,
                                   const struct mg_str pass) {
  struct mg_http_proto_data *pd = mg_http_get_proto_data(nc);
  struct mg_ws_state *ws = NULL;
  unsigned char nonce[16];
  struct mbuf req;
  int ok;
  if (mg_http_has_crlf(path) || mg_http_has_crlf(host) ||
      mg_http_has_crlf(protocol)) {
    MG_ERROR(("%p CR or LF in the WebSocket request line", (void *) nc));
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    return;
  }
  if (pd == NULL || (ws = mg_ws_state_new(protocol)) == NULL) {
    MG_ERROR(("%p out of memory", (void *) nc));
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
    return;
  }
  MG_FREE(pd->ws);
  pd->ws = ws;
  nc->proto_handler = ws_client_handler;
  mg_ws_random(ws, nonce, sizeof(nonce));
  mg_base64_encode(nonce, (int) sizeof(nonce), ws->key);
  mbuf_init(&req, 256);
  ok = ws_build_request(&req, ws, path, host, extra_headers, user, pass);
  if (ok) {
    mg_send(nc, req.buf, (int) req.len);
  } else {
    MG_ERROR(("%p out of memory", (void *) nc));
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  }
  mbuf_free(&req);
}

void mg_send_websocket_handshake3(struct mg_connection *nc, const char *path,
                                  const char *host, const char *protocol,
                                  const char *extra_headers, const char *user,
                                  const char *pass) {
  mg_send_websocket_handshake3v(nc, mg_mk_str(path), mg_mk_str(host),
                                mg_mk_str(protocol), mg_mk_str(extra_headers),
                                mg_mk_str(user), mg_mk_str(pass));
}

void mg_send_websocket_handshake2(struct mg_connection *nc, const char *path,
                                  const char *host, const char *protocol,
                                  const char *extra_headers) {
  mg_send_websocket_handshake3(nc, path, host, protocol, extra_headers, NULL,
                               NULL);
}

void mg_send_websocket_handshake(struct mg_connection *nc, const char *uri,
                                 const char *extra_headers) {
  mg_send_websocket_handshake2(nc, uri, NULL, NULL, extra_headers);
}

// The parts of a ws:// URL that the connection needs.
struct ws_url {
  struct mg_str host, path, user, pass;  // path includes the query
  unsigned int port;
  int tls;  // wss://
};

// Parses url. Returns NULL on success, else an error message.
static const char *ws_parse_url(const char *url, struct ws_url *u) {
  struct mg_str scheme, ui, query, frag;
  const char *colon;
  if (url == NULL || mg_parse_uri(mg_mk_str(url), &scheme, &ui, &u->host,
                                  &u->port, &u->path, &query, &frag) != 0) {
    return "cannot parse URL";
  }
  // mg_parse_uri() keeps an IPv6 literal's brackets (as 6.x); the address
  // and the Host header are built from the bare host.
  if (u->host.len >= 2 && u->host.p[0] == '[') u->host.p++, u->host.len -= 2;
  u->tls = 0;
  if (mg_vcasecmp(&scheme, "wss") == 0) {
#if MG_ENABLE_SSL
    u->tls = 1;
#else
    return "wss:// URL, but TLS not built (MG_ENABLE_SSL)";
#endif
  } else if (scheme.len > 0 && mg_vcasecmp(&scheme, "ws") != 0) {
    return "not a ws:// URL";
  }
  if (u->host.len == 0) return "no host in URL";
  if (u->port == 0) u->port = u->tls ? 443 : 80;
  if (query.len > 0) {  // path, '?' and query are contiguous in url
    const char *start = u->path.len > 0 ? u->path.p : query.p - 1;
    u->path = mg_mk_str_n(start, (size_t) (query.p + query.len - start));
  }
  colon = mg_strchr(ui, ':');
  u->user = mg_mk_str_n(ui.p, colon != NULL ? (size_t) (colon - ui.p) : ui.len);
  u->pass = colon != NULL ? mg_mk_str_n(colon + 1, ui.len - u->user.len - 1)
                          : mg_mk_str(NULL);
  return NULL;
}

struct mg_connection *mg_connect_ws_opt(
    struct mg_mgr *mgr, MG_CB(mg_event_handler_t ev_handler, void *user_data),
    struct mg_connect_opts opts, const char *url, const char *protocol,
    const char *extra_headers) {
  struct ws_url u;
  struct mg_connection *nc;
  const char *err = ws_parse_url(url, &u);
  int v6 = err == NULL && mg_strchr(u.host, ':') != NULL;
  char addr[300], host[300];
  MG_UD_TO_OPTS(opts);
  if (err == NULL && u.host.len > 250) err = "host name too long";
  if (err != NULL) {
    MG_SET_PTRPTR(opts.error_string, err);
    return NULL;
  }
  snprintf(addr, sizeof(addr), "tcp://%s%.*s%s:%u", v6 ? "[" : "",
           (int) u.host.len, u.host.p, v6 ? "]" : "", u.port);
  // Host carries the port only when it is not the default one.
  snprintf(host, sizeof(host), "%s%.*s%s", v6 ? "[" : "", (int) u.host.len,
           u.host.p, v6 ? "]" : "");
  if (u.port != (u.tls ? 443u : 80u)) {
    snprintf(host + strlen(host), sizeof(host) - strlen(host), ":%u", u.port);
  }
  if (u.tls) opts.flags |= MG_F_SSL;  // As https in mg_connect_http()
  if ((nc = mg_connect_opt(mgr, addr, MG_CB(ev_handler, opts.user_data),
                           opts)) == NULL) {
    return NULL;
  }
  mg_send_websocket_handshake3v(nc, u.path, mg_mk_str(host),
                                mg_mk_str(protocol), mg_mk_str(extra_headers),
                                u.user, u.pass);
  return nc;
}

struct mg_connection *mg_connect_ws(struct mg_mgr *mgr,
                                    MG_CB(mg_event_handler_t event_handler,
                                          void *user_data),
                                    const char *url, const char *protocol,
                                    const char *extra_headers) {
  struct mg_connect_opts opts;
  memset(&opts, 0, sizeof(opts));
  return mg_connect_ws_opt(mgr, MG_CB(event_handler, user_data), opts, url,
                           protocol, extra_headers);
}

#endif  // MG_ENABLE_HTTP && MG_ENABLE_HTTP_WEBSOCKET
